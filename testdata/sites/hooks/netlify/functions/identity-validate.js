// Only allowed.test addresses may sign up; a few test addresses answer in other ways.
exports.handler = async (event) => {
  const { event: name, instance_id, user } = JSON.parse(event.body);
  const email = user.email;
  if (email.startsWith("slow@")) {
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (email.startsWith("text@")) {
    return { statusCode: 200, body: "OK" };
  }
  if (email.startsWith("meta@")) {
    return { statusCode: 200, body: JSON.stringify({ user_metadata: { from_validate: true } }) };
  }
  if (!email.endsWith("@allowed.test")) {
    console.log(`rejecting ${email}`);
    return { statusCode: 400, body: JSON.stringify({ error: `${email} is not allowed` }) };
  }
  return {
    statusCode: 200,
    body: JSON.stringify({ app_metadata: { ...user.app_metadata, validated: true, keys: Object.keys(user).join(","), seen: name, instance: instance_id } }),
  };
};
