exports.handler = async (event, context) => ({
  statusCode: 200,
  body: JSON.stringify({
    path: event.path,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    awsRequestId: context.awsRequestId,
    memoryLimitInMB: context.memoryLimitInMB,
    invokedFunctionArn: context.invokedFunctionArn,
    clientContext: context.clientContext,
    identityUndefined: context.identity === undefined,
    callbackWaits: context.callbackWaitsForEmptyEventLoop,
    remaining: context.getRemainingTimeInMillis(),
    env: process.env,
    cwd: process.cwd(),
  }),
});
