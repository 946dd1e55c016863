import type { UserSignupEvent, UserValidateEvent, UserLoginEvent } from "@netlify/functions";

// Typed identity event handlers: Netlify calls each method at its moment.
export default {
  // Before the user exists: refuse addresses of one domain.
  async userValidate(event: UserValidateEvent) {
    if (event.user.email?.endsWith("@blocked.example")) return event.deny();
  },

  // Just before the user is confirmed: everyone who signs up becomes a member.
  async userSignup(event: UserSignupEvent) {
    const roles = [...new Set([...(event.user.roles ?? []), "member"])];
    return { user: { ...event.user, roles } };
  },

  // Every password login: count them in user_metadata.
  async userLogin(event: UserLoginEvent) {
    const logins = Number(event.user.userMetadata?.logins ?? 0) + 1;
    return { user: { ...event.user, userMetadata: { ...event.user.userMetadata, logins } } };
  },
};
