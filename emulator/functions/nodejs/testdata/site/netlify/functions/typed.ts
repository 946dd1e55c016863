import { greet } from '../lib/greet';

interface Event {
  queryStringParameters?: Record<string, string> | null;
}

export const handler = async (event: Event) => {
  return { statusCode: 200, body: greet(event.queryStringParameters?.name ?? 'nobody') };
};
