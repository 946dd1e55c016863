// identity-validate runs when someone signs up (or is invited), before any mail is sent.
// Answer anything but 200/202/204 and the signup is refused: the browser gets
// 422 "Failed to handle signup webhook", and no user is created.
exports.handler = async (event) => {
  const { user } = JSON.parse(event.body);
  const domain = process.env.ALLOWED_DOMAIN || "example.com";
  if (!user.email.toLowerCase().endsWith("@" + domain)) {
    console.log(`refusing ${user.email}: only @${domain} may sign up`);
    return { statusCode: 403, body: JSON.stringify({ error: `only @${domain} addresses may sign up` }) };
  }
  return { statusCode: 204 };
};
