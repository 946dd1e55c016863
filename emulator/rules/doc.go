// Package rules owns a site's routing rules as production applies them: the redirect and
// rewrite rules of _redirects and netlify.toml's [[redirects]] (with their query, Role,
// Country and Language conditions), the custom headers of _headers and [[headers]], and
// the nf_jwt check behind Role gates. It parses the files as Netlify's redirect-parser and
// headers-parser do, matches a request as Netlify's engine does (first match in file order,
// _redirects before netlify.toml, shadowing, force), and keeps the rules current while dev
// serves (Loader). It says what to do with a request; serving it is the server's job.
//
// Where production cannot be reproduced or the sources disagree, dev chooses:
//
//   - Country: dev cannot know where a visitor is. Request.Country is the country the
//     server pretends the visitor is in; when it is empty (the default), a Country
//     condition never matches, so country rules are skipped as for a visitor from
//     elsewhere. Codes compare case-insensitively.
//   - Language: matched against the request's Accept-Language (Request.Language): a
//     condition "en" matches the tags "en" and "en-*", "en-US" only "en-US", case-insensitively;
//     any tag with a non-zero weight counts.
//   - Query strings: a `to` with a query of its own replaces the request's query, also for
//     function targets (PR #4897's account of production; netlify dev's test keeps the
//     request's). A `to` without one passes the request's query on unchanged, so
//     `/store id=:id /blog/:id` sends /blog/5?id=5, as netlify dev does.
//   - Role gates: when a Role rule matched a path and failed, the file at that path is never
//     served: a later rule applies even if unforced and shadowed by the file, and with no
//     later rule the answer is NotFound. netlify dev would serve the file there; that is a leak.
//   - Tokens: only an HS256 nf_jwt signed with the instance secret, unexpired and with an
//     exp, carries roles; unsigned (alg none), malformed or forged tokens are no token.
//   - Host rules (`from` an absolute URL) match only when Request.Host has that host name.
//   - A splat value and the path it is matched against carry no trailing slash.
//   - A condition other than Role, Country, Language or Sign is reported and its rule
//     dropped, since a misspelt Role would otherwise open a gate to everyone.
//   - Signed (Sign=VAR) is kept on the rule but not acted on.
package rules
