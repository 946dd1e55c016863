import { shout } from 'greet-esm';

export const handler = async () => ({ statusCode: 200, body: shout('pkg') });
