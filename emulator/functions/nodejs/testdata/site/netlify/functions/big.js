// Answers a body of n bytes (the query's n): a result over Lambda's 6 MB limit must fail as
// in production, and one at the limit must not.
exports.handler = async (event) => ({
  statusCode: 200,
  body: 'x'.repeat(Number(event.queryStringParameters.n)),
});
