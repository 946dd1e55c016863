export const handler = async () => {
  return { statusCode: 200 ;
};
