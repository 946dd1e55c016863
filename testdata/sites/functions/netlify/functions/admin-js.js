// Uses the admin token of clientContext.identity against the identity API.
exports.handler = async (event, context) => {
  const { url, token } = context.clientContext.identity;
  const res = await fetch(`${url}/admin/users`, { headers: { Authorization: `Bearer ${token}` } });
  return { statusCode: res.status, body: await res.text() };
};
