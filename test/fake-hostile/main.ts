/**
 * The hostile host in a process of its own (for the benchmark, so its work does not share an
 * event loop with the client measuring the server):
 *   npx tsx test/fake-hostile/main.ts
 * Prints one line `{"url":"http://127.0.0.1:PORT"}` to stdout once listening; `POST /_mode`
 * with `{"mode":"flood"}` changes what it does. Stays up until SIGTERM / SIGINT.
 */
import { FakeHostile } from './server.js';

const fake = await FakeHostile.start();
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
const stop = () => void fake.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
