exports.handler = async () => {
  setTimeout(() => process.exit(5), 10);
  return { statusCode: 200, body: 'bye soon' };
};
