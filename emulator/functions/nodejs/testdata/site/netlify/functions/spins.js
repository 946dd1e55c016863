const fs = require('node:fs');

exports.handler = async () => {
  fs.writeSync(1, 'spinning\n'); // the invocation is in hand
  for (;;) {}
};
