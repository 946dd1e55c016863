// Refuses everyone.
exports.handler = async () => ({ statusCode: 403, body: "no" });
