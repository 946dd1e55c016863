exports.handler = async (event, context) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    method: event.httpMethod,
    path: event.path,
    query: event.queryStringParameters,
    header: event.headers["x-custom"],
    body: event.body,
    user: context.clientContext.user ? context.clientContext.user.email : null,
  }),
});
