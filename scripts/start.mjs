// `npm start`: build dist/, then serve in this same process. npm passes a stop signal (Ctrl-C,
// SIGTERM) to the shell it runs the script in, and that shell may not pass it on: when the
// process that started this one goes away, the server stops as if it had been signalled itself.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 500).unref();
// (OLLM_START_NO_BUILD=1 serves the dist/ there is: the tests run this while other tests use dist/)
if (process.env.OLLM_START_NO_BUILD !== '1') await import('./build.mjs');
await import('../dist/cli.js');
