// fetchtls fetches the HTTPS URL in ?url= and reports its status (or the error's code)
// and the NODE_EXTRA_CA_CERTS its worker was given.
const https = require("node:https");

exports.handler = async (event) => {
  const result = await new Promise((resolve) => {
    https
      .get(event.queryStringParameters.url, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      })
      .on("error", (e) => resolve(e.code || e.message));
  });
  return { statusCode: 200, body: JSON.stringify({ result, extra: process.env.NODE_EXTRA_CA_CERTS ?? null }) };
};
