import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A background subscriber: answered 202 at once; its answer changes nothing.
export default {
  async userSignup(event) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    writeFileSync(join(tmpdir(), `dev-typed-notify-${event.user.id}.json`), JSON.stringify(event.user));
    return { user: { ...event.user, roles: ["from-background"] } };
  },
};

export const config = { background: true };
