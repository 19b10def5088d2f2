/** `npm run bench`: runs every benchmark and prints its figures. Exit code 1 when a goal is missed. */
import { benchStartup } from './startup.js';

const benches = [{ name: 'startup', run: benchStartup }];

let allOk = true;
for (const b of benches) {
  const { ok, lines } = await b.run();
  for (const line of lines) process.stdout.write(`${line}\n`);
  allOk &&= ok;
}
process.exitCode = allOk ? 0 : 1;
