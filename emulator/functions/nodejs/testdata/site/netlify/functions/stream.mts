const encoder = new TextEncoder();

export default async (req: Request) => {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode('one\n'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.enqueue(encoder.encode('two\n'));
      controller.close();
    },
  });
  return new Response(body, { status: 201, headers: { 'x-fixture': 'stream', 'content-type': 'text/plain' } });
};

export const config = { path: '/stream' };
