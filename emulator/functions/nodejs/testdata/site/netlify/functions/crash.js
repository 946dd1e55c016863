exports.handler = () => {
  setTimeout(() => {
    throw new Error('async crash');
  }, 0);
  return new Promise(() => {});
};
