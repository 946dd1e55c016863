export default async (req: Request) =>
  new Response(await req.arrayBuffer(), { headers: { 'content-type': 'application/octet-stream' } });
