// A v1 function: production's v2 bootstrap does not wrap it, so it has no Netlify globals.
exports.handler = async (event, context) => ({
  statusCode: 200,
  body: JSON.stringify({
    netlify: typeof globalThis.Netlify,
    identity: 'netlifyIdentityContext' in globalThis,
    clientContext: context.clientContext,
  }),
});
