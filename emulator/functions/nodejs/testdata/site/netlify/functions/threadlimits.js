// threadlimits reports, from a worker thread, what limits.js reports from the function:
// global.gc and the heap's limit, which a thread's own V8 isolate takes from node's flags.
const { Worker } = require("node:worker_threads");

exports.handler = async () => {
  const seen = await new Promise((resolve, reject) => {
    const thread = new Worker(
      `const v8 = require("node:v8");
      require("node:worker_threads").parentPort.postMessage({
        gc: typeof gc,
        heapLimitMB: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
      });`,
      { eval: true },
    );
    thread.once("message", (m) => {
      resolve(m);
      thread.terminate();
    });
    thread.once("error", reject);
  });
  return { statusCode: 200, body: JSON.stringify(seen) };
};
