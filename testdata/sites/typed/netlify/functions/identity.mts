import type { UserLoginEvent, UserSignupEvent, UserValidateEvent, UserModifiedEvent, UserDeletedEvent } from "@netlify/functions";

// Which fields of the camelCase user are set, for the test to see.
const shape = (user: Record<string, unknown>) =>
  Object.keys(user)
    .filter((k) => user[k] !== undefined)
    .sort()
    .join(",");

export default {
  async userValidate(event: UserValidateEvent) {
    if (event.user.email?.startsWith("deny")) return event.deny();
  },
  async userSignup(event: UserSignupEvent) {
    return {
      user: {
        ...event.user,
        roles: ["member"],
        appMetadata: { ...event.user.appMetadata, shape: shape(event.user), sawLegacy: event.user.appMetadata?.legacy === true, name: event.user.name },
      },
    };
  },
  userLogin(event: UserLoginEvent) {
    if (event.user.email?.startsWith("blocked")) {
      event.deny();
      return;
    }
    return { user: { ...event.user, userMetadata: { ...event.user.userMetadata, logins: Number(event.user.userMetadata?.logins ?? 0) + 1 } } };
  },
  userModified(event: UserModifiedEvent) {
    console.log(`modified ${event.user.email} roles=${(event.user.roles ?? []).join("|")}`);
  },
  userDeleted(event: UserDeletedEvent) {
    console.log(`deleted ${event.user.email}`);
  },
  fetch(req: Request) {
    return new Response(`identity.mts answers other requests: ${req.method}`);
  },
};
