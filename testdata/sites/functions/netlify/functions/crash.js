// Fails in the way the query asks.
exports.handler = async (event) => {
  switch (event.queryStringParameters.how) {
    case "throw":
      throw new TypeError("thrown on purpose");
    case "reject":
      return Promise.reject(new Error("rejected on purpose"));
    case "exit":
      process.exit(7);
    case "hang":
      return new Promise(() => {});
  }
  return { statusCode: 200, body: "survived" };
};
