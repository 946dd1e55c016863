// What production's bootstrap gives a v2 function besides its arguments: globalThis.Netlify
// and globalThis.netlifyIdentityContext, per invocation.
const g = globalThis as any;

// At load no invocation runs: both exist, and say so with null.
const atLoad = {
  netlify: typeof g.Netlify,
  context: g.Netlify?.context,
  identity: g.netlifyIdentityContext,
  greeting: g.Netlify?.env.get('GREETING'),
};

export default async (req: Request, context: any) => {
  await new Promise((resolve) => setTimeout(resolve, 1)); // the store follows async work
  const netlify = g.Netlify.context;
  netlify.cookies.set({ name: 'nf_jwt', value: 'abc.def.ghi', httpOnly: false, secure: true, path: '/', sameSite: 'Lax' });
  context.cookies.delete('nf_refresh');
  return Response.json({
    atLoad,
    sameContext: netlify === context,
    sameCookies: netlify.cookies === context.cookies,
    identity: g.netlifyIdentityContext,
    identityEnumerable: Object.keys(globalThis).includes('netlifyIdentityContext'),
    reqUrl: req.url,
    contextUrl: netlify.url.href,
    site: netlify.site,
    requestId: netlify.requestId,
    ip: netlify.ip,
    cookie: netlify.cookies.get('nf_jwt'),
    envHas: g.Netlify.env.has('GREETING'),
    envObject: g.Netlify.env.toObject().GREETING,
  });
};
