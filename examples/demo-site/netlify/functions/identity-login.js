// identity-login runs on every password login (not on the login that /verify does).
// user_metadata in the answer replaces the whole map: spread the old one in.
exports.handler = async (event) => {
  const { user } = JSON.parse(event.body);
  return {
    statusCode: 200,
    body: JSON.stringify({
      user_metadata: { ...user.user_metadata, last_login: new Date().toISOString() },
    }),
  };
};
