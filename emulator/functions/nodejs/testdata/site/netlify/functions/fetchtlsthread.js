// fetchtlsthread fetches the HTTPS URL in ?url= from a worker thread, which has its
// own tls module, and reports its status (or the error's code) and the
// NODE_EXTRA_CA_CERTS its worker was given.
const { Worker } = require("node:worker_threads");

exports.handler = async (event) => {
  const result = await new Promise((resolve) => {
    const thread = new Worker(
      `const https = require("node:https");
      const { parentPort, workerData } = require("node:worker_threads");
      https
        .get(workerData, (res) => {
          res.resume();
          parentPort.postMessage(String(res.statusCode));
        })
        .on("error", (e) => parentPort.postMessage(e.code || e.message));`,
      { eval: true, workerData: event.queryStringParameters.url },
    );
    thread.once("message", (m) => {
      resolve(m);
      thread.terminate();
    });
    thread.once("error", (e) => resolve(e.message));
  });
  return { statusCode: 200, body: JSON.stringify({ result, extra: process.env.NODE_EXTRA_CA_CERTS ?? null }) };
};
