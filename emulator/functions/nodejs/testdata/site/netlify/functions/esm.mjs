export const handler = async (event) => ({
  statusCode: 201,
  body: `esm ${event.queryStringParameters?.name} ${typeof import.meta.url}`,
});
