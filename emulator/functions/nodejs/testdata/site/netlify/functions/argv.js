console.log('loaded argv');
exports.handler = async () => ({
  statusCode: 200,
  body: JSON.stringify({ argv: process.argv.slice(2, 4), pid: process.pid }),
});
