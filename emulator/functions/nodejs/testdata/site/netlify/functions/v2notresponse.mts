export default async () => ({ statusCode: 200, body: 'v1 shape from a v2 function' });
