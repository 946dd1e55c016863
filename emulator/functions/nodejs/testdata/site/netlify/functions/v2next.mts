export default async (req: Request, context: any) => context.next();
