// limits reports what the node running it allows: global.gc, the size of HTTP headers
// it reads, and its heap's limit; and the tag of the code cache V8 accepts, which its
// flags decide, and whether the worker's own variable for them is still to be seen.
const http = require("node:http");
const v8 = require("node:v8");

exports.handler = async () => ({
  statusCode: 200,
  body: JSON.stringify({
    gc: typeof global.gc,
    maxHeaderSize: http.maxHeaderSize,
    heapLimitMB: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
    codeCacheTag: v8.cachedDataVersionTag(),
    v8Defaults: process.env.DEV_V8_DEFAULTS ?? null,
  }),
});
