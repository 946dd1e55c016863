// getUser() on the server: the caller from Authorization: Bearer or the nf_jwt cookie.
import { getUser } from '@netlify/identity';
import { failed } from '../lib/answer.mts';

export default async () => {
  try {
    return Response.json({ user: await getUser() });
  } catch (err) {
    return failed(err);
  }
};
