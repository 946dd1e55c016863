exports.handler = (event) => {
  if (event.queryStringParameters?.plain) return Promise.reject('plain');
  return Promise.reject(new RangeError('nope'));
};
