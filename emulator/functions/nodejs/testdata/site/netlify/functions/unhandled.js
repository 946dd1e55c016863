exports.handler = async () => {
  Promise.reject(new Error('stray'));
  return { statusCode: 200, body: 'fine' };
};
