// CommonJS v1: answers with what it received.
exports.handler = async (event, context) => {
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      event,
      clientContext: context.clientContext,
      env: { FROM_TOML: process.env.FROM_TOML, FROM_DOTENV: process.env.FROM_DOTENV, OVERRIDDEN: process.env.OVERRIDDEN, URL: process.env.URL, DEPLOY_URL: process.env.DEPLOY_URL },
    }),
  };
};
