export default async () => new Response('modern');
