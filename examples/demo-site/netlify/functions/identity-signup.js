// identity-signup runs when a user confirms their email (or accepts an invite), just
// before they are confirmed. What it returns in app_metadata REPLACES the whole map, so
// keep what is there (provider!) and add to it.
exports.handler = async (event) => {
  const { user } = JSON.parse(event.body);
  const roles = new Set([...(user.app_metadata.roles || []), "member"]);
  return {
    statusCode: 200,
    body: JSON.stringify({ app_metadata: { ...user.app_metadata, roles: [...roles] } }),
  };
};
