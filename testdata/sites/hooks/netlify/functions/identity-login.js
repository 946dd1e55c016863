// Records the last login, and refuses blocked users.
exports.handler = async (event, context) => {
  const { user } = JSON.parse(event.body);
  if (user.email.startsWith("blocked@")) {
    return { statusCode: 403, body: "blocked" };
  }
  const hasIdentity = Boolean(context.clientContext && context.clientContext.identity && context.clientContext.identity.token);
  return {
    statusCode: 200,
    body: JSON.stringify({
      user_metadata: { ...user.user_metadata, logins: (user.user_metadata.logins || 0) + 1, confirmed: Boolean(user.confirmed_at), identity: hasIdentity },
    }),
  };
};
