// Starts a process that would run for ever and answers its pid: it must end with the worker.
const { spawn } = require('node:child_process');

exports.handler = async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  return { statusCode: 200, body: String(child.pid) };
};
