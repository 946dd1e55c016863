// logout() on the server: ends the session of the nf_jwt cookie and deletes both cookies.
import { logout, verifyRequestOrigin } from '@netlify/identity';
import { failed } from '../lib/answer.mts';

export default async (req: Request) => {
  try {
    verifyRequestOrigin(req);
    await logout();
    return new Response(null, { status: 204 });
  } catch (err) {
    return failed(err);
  }
};
