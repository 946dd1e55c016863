// Fails on purpose: userdeleted never blocks, and its answer is ignored.
exports.handler = async () => ({ statusCode: 500, body: "ignored" });
