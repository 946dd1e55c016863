exports.handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { statusCode: 200, body: String(process.pid) };
};
