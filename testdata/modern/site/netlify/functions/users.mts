// The admin API with the operator token: GET lists the users; POST gives the caller the
// roles of the body, as Netlify's guidance does it (getUser(), then admin.updateUser()).
import { admin, getUser } from '@netlify/identity';
import { failed } from '../lib/answer.mts';

export default async (req: Request) => {
  try {
    if (req.method === 'GET') {
      return Response.json({ users: await admin.listUsers() });
    }
    const user = await getUser();
    if (!user) return Response.json({ error: 'log in first' }, { status: 401 });
    const { roles } = await req.json();
    const updated = await admin.updateUser(user.id, { app_metadata: { ...user.appMetadata, roles } });
    return Response.json({ user: updated });
  } catch (err) {
    return failed(err);
  }
};
