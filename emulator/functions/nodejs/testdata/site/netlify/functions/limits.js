// limits reports what the node running it allows: global.gc, the size of HTTP headers
// it reads, and its heap's limit.
const http = require("node:http");
const v8 = require("node:v8");

exports.handler = async () => ({
  statusCode: 200,
  body: JSON.stringify({
    gc: typeof global.gc,
    maxHeaderSize: http.maxHeaderSize,
    heapLimitMB: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
  }),
});
