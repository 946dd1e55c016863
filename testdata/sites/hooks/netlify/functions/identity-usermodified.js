// Fails on purpose: usermodified never blocks.
exports.handler = async () => ({ statusCode: 500, body: "nope" });
