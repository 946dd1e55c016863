exports.handler = (event, context, callback) => {
  const q = event.queryStringParameters || {};
  if (q.fail) return callback(new Error('callback failed'));
  if (q.succeed) return context.succeed({ statusCode: 200, body: 'succeeded' });
  if (q.n) {
    // Later calls answer sooner: overlapping calls would finish out of order.
    const n = Number(q.n);
    return setTimeout(() => callback(null, { statusCode: 200, body: `called back ${n}` }), 5 + (10 - n) * 3);
  }
  setTimeout(() => callback(null, { statusCode: 200, body: 'called back' }), 5);
};
