// A second subscriber of signup: called after identity.mts (by name), it sees the roles
// that one returned.
const handlers = {
  userSignup: async (event) => ({
    user: { ...event.user, appMetadata: { ...event.user.appMetadata, welcomed: true, rolesSeen: event.user.roles ?? [] } },
  }),
};
export default handlers;
