// v2: a Request in, a streamed Response out.
export default async (req: Request, context: { requestId: string; geo: { city: string }; deploy: { context: string } }) => {
  const url = new URL(req.url);
  const body = req.method === "POST" ? await req.text() : "";
  const stream = new ReadableStream({
    async start(controller) {
      controller.enqueue(new TextEncoder().encode(`method=${req.method} path=${url.pathname} `));
      controller.enqueue(new TextEncoder().encode(`body=${body} context=${context.deploy.context} city=${context.geo.city}`));
      controller.close();
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": "text/plain", "x-v2": "yes" } });
};
