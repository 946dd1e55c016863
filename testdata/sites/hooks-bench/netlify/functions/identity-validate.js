exports.handler = async (event) => {
  const { user } = JSON.parse(event.body);
  return { statusCode: 200, body: JSON.stringify({ app_metadata: { ...user.app_metadata, seen_validate: true } }) };
};
