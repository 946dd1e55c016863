import { existsSync } from 'node:fs';

const encoder = new TextEncoder();

// Sends "one", then "two" once the file named by ?gate exists (or after 300 ms).
export default async (req: Request) => {
  const gate = new URL(req.url).searchParams.get('gate');
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode('one\n'));
      if (gate) {
        while (!existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 10));
      } else {
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      controller.enqueue(encoder.encode('two\n'));
      controller.close();
    },
  });
  return new Response(body, { status: 201, headers: { 'x-fixture': 'stream', 'content-type': 'text/plain' } });
};

export const config = { path: '/stream' };
