export type Handler = (event: { queryStringParameters: Record<string, string> | null }) => Promise<{ statusCode: number; body: string }>;
