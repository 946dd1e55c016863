// ESM v1: a binary body, base64, and multi-value headers.
export const handler = async () => ({
  statusCode: 201,
  headers: { "content-type": "image/png", "x-single": "one" },
  multiValueHeaders: { "set-cookie": ["a=1; Path=/", "b=2; Path=/"] },
  body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]).toString("base64"),
  isBase64Encoded: true,
});
