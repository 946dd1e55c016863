import type { Handler } from "./lib/types";
import { greet } from "./lib/greet";

export const handler: Handler = async (event) => {
  const who = event.queryStringParameters?.who ?? "world";
  return { statusCode: 200, body: greet(who) };
};
