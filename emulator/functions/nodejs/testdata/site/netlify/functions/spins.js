exports.handler = async () => {
  for (;;) {}
};
