import { AuthError } from '@netlify/identity';

// failed answers an error as JSON: an AuthError with its status, anything else 500.
export const failed = (err: unknown) =>
  Response.json(
    { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) },
    { status: err instanceof AuthError && err.status ? err.status : 500 },
  );
