// login() on the server sets the nf_jwt and nf_refresh cookies; a form post from another
// origin is refused first, as Netlify's guidance does it.
import { login, verifyRequestOrigin } from '@netlify/identity';
import { failed } from '../lib/answer.mts';

export default async (req: Request) => {
  try {
    verifyRequestOrigin(req);
    const { email, password } = await req.json();
    return Response.json({ user: await login(email, password) });
  } catch (err) {
    return failed(err);
  }
};
