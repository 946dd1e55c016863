package devserver

import (
	"bytes"
	"regexp"
)

// widgetSetup is what dev adds to a page that loads netlify-identity-widget, so that
// the widget behaves on localhost as it does on the deployed site: on localhost and
// 127.0.0.1 the widget asks for the site's URL (and keeps it in localStorage) and lets
// gotrue-js set no nf_jwt cookie, so Role rules could never open. The snippet names
// this server as the site, and turns the cookie on as the widget does everywhere else.
// It runs before the widget, and hooks the widget as soon as it is assigned, before it starts.
const widgetSetup = `<script data-dev-identity-widget>/* added by dev serve: the identity widget talks to this server, as on the deployed site (dev serve --identity-widget-setup=false turns this off) */
(function () {
  try { localStorage.setItem("netlifySiteURL", location.origin); } catch (e) {}
  function setUp(w) {
    var cookie = function () { if (w && w.store && w.store.gotrue) w.store.gotrue.setCookie = true; };
    if (w && w.on) w.on("init", cookie);
    cookie();
  }
  if (window.netlifyIdentity) return setUp(window.netlifyIdentity);
  // The widget assigns window.netlifyIdentity, then starts: catch the assignment.
  Object.defineProperty(window, "netlifyIdentity", { configurable: true, set: function (w) {
    Object.defineProperty(window, "netlifyIdentity", { value: w, writable: true, configurable: true, enumerable: true });
    setUp(w);
  } });
})();
</script>`

var (
	loadsWidget = regexp.MustCompile(`(?i)netlify-identity-widget`)
	headTag     = regexp.MustCompile(`(?i)<head(\s[^>]*)?>`)
)

// withWidgetSetup adds widgetSetup to an HTML page that loads the widget, right after
// <head> (or at the start when there is none); other pages are returned as they are.
func withWidgetSetup(page []byte) []byte {
	if !loadsWidget.Match(page) || bytes.Contains(page, []byte("data-dev-identity-widget")) {
		return page
	}
	at := 0
	if loc := headTag.FindIndex(page); loc != nil {
		at = loc[1]
	}
	out := make([]byte, 0, len(page)+len(widgetSetup)+1)
	out = append(out, page[:at]...)
	out = append(out, '\n')
	out = append(out, widgetSetup...)
	return append(out, page[at:]...)
}
