exports.handler = (event, context, callback) => {
  const q = event.queryStringParameters || {};
  if (q.fail) return callback(new Error('callback failed'));
  if (q.succeed) return context.succeed({ statusCode: 200, body: 'succeeded' });
  setTimeout(() => callback(null, { statusCode: 200, body: 'called back' }), 5);
};
