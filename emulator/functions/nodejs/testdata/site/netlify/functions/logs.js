exports.handler = async () => {
  console.log('hello from logs');
  console.error('warning from logs');
  process.stdout.write('partial ');
  process.stdout.write('line\n');
  return { statusCode: 204 };
};
