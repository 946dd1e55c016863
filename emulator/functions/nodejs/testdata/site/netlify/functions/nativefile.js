exports.handler = async () => {
  const addon = require('./build/addon.node');
  return { statusCode: 200, body: String(addon) };
};
