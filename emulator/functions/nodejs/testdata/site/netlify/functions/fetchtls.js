// fetchtls fetches the HTTPS URL in ?url= and reports its status (or the error's code),
// the NODE_EXTRA_CA_CERTS its worker was given, whether dev's own variable for a file
// trusted after the start is still visible, and whether node's tls was loaded before the
// function loaded it. ?via=fetch uses fetch instead of https.get, ?via=import https.get
// of a dynamic import('node:https'); ?ca=first-root gives https.get node's first bundled
// root as its only ca.
const tlsBefore = process.moduleLoadList.includes("NativeModule tls");
const https = require("node:https");
const tls = require("node:tls");

exports.handler = async (event) => {
  const q = event.queryStringParameters;
  let result;
  if (q.via === "fetch") {
    result = await fetch(q.url).then(
      (res) => String(res.status),
      (e) => (e.cause && e.cause.code) || e.message,
    );
  } else if (q.via === "import") {
    const { get } = await import("node:https");
    result = await new Promise((resolve) => {
      get(q.url, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      }).on("error", (e) => resolve(e.code || e.message));
    });
  } else {
    const options = q.ca === "first-root" ? { ca: [tls.rootCertificates[0]] } : {};
    result = await new Promise((resolve) => {
      https
        .get(q.url, options, (res) => {
          res.resume();
          resolve(String(res.statusCode));
        })
        .on("error", (e) => resolve(e.code || e.message));
    });
  }
  return {
    statusCode: 200,
    body: JSON.stringify({
      result,
      extra: process.env.NODE_EXTRA_CA_CERTS ?? null,
      late: process.env.DEV_LATE_EXTRA_CA_CERTS ?? null,
      tlsBefore,
    }),
  };
};
