export const handler = async (event: unknown) => {
  const n: number = 1;
  throw new TypeError(`boom ${n}`);
};
