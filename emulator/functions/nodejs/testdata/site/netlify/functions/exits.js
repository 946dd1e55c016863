exports.handler = async () => {
  console.error('about to exit');
  process.exit(3);
};
