export default async (req: Request, context: any) => {
  const body = await req.text();
  context.cookies.set('seen', 'yes');
  context.cookies.set({ name: 'pref', value: 'dark', path: '/', httpOnly: true, sameSite: 'Lax' });
  context.cookies.delete('old');
  context.waitUntil(new Promise((resolve) => setTimeout(resolve, 10)));
  context.log('v2echo called');
  return context.json(
    {
      method: req.method,
      url: req.url,
      accept: req.headers.get('accept'),
      multi: req.headers.get('x-multi'),
      body,
      session: context.cookies.get('session'),
      site: context.site,
      geo: context.geo,
      ip: context.ip,
      requestId: context.requestId,
      params: context.params,
      account: context.account,
      server: context.server,
      deploy: context.deploy,
      pathname: context.url.pathname,
    },
    { headers: { 'x-answer': 'yes' } },
  );
};
