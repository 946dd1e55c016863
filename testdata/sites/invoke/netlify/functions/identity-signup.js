// Answers with what it received, so tests can compare the input of two invocations.
exports.handler = async (event, context) => {
  const body = JSON.parse(event.body);
  const input = {
    method: event.httpMethod,
    path: event.path,
    contentType: event.headers["content-type"],
    netlifyEvent: event.headers["x-netlify-event"],
    signed: Boolean(event.headers["x-webhook-signature"]),
    bodyKeys: Object.keys(body),
    userKeys: Object.keys(body.user),
    identity: Boolean(context.clientContext.identity && context.clientContext.identity.token),
    user: context.clientContext.user || null,
  };
  return {
    statusCode: 200,
    body: JSON.stringify({ app_metadata: { ...body.user.app_metadata, roles: ["member"] }, user_metadata: { input } }),
  };
};
