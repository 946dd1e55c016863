export default async () => {
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('partial'));
      setTimeout(() => controller.error(new Error('stream broke')), 10);
    },
  });
  return new Response(body);
};
