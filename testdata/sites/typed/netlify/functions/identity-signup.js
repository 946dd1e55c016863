// A legacy hook: called before every typed subscriber of the same event.
exports.handler = async (event) => {
  const { user } = JSON.parse(event.body);
  return { statusCode: 200, body: JSON.stringify({ app_metadata: { ...user.app_metadata, legacy: true } }) };
};
