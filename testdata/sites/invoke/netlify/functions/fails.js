exports.handler = async () => {
  throw new Error("fails on purpose");
};
