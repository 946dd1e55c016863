// A TypeScript signup function to debug: the test sets a breakpoint on the BREAK line.
type Hook = { user: { email: string; app_metadata: Record<string, unknown> } };

export const handler = async (event: { body: string }) => {
  const hook: Hook = JSON.parse(event.body);
  const email = hook.user.email; // BREAK
  if (email.startsWith("slow")) {
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
  return {
    statusCode: 200,
    body: JSON.stringify({ app_metadata: { ...hook.user.app_metadata, roles: ["debugged"] } }),
  };
};
