// The shared server's lock between servers started at once (issue 43, item 1: one server per
// address): several processes race to take one lock left by a dead process, round after round,
// and exactly one wins each round — none reads another's lock before its pid is in it, and none
// removes a live lock it took for the stale one.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';

const LOCK = resolve(import.meta.dirname, '../../src/server/shared/lock.ts');
const TSX = resolve(import.meta.dirname, '../../node_modules/tsx/dist/esm/index.mjs');
// each taker waits for the start file, tries once, says whether it won, and holds while the others try
const TAKER = `
import { existsSync } from 'node:fs';
import { takeLock } from ${JSON.stringify(LOCK)};
const [file, go] = process.argv.slice(-2);
while (!existsSync(go)); // a tight wait: every taker starts within microseconds of the others
const won = await takeLock(file);
process.stdout.write(won ? 'won\\n' : 'lost\\n');
// the winner holds the lock (lives) until every taker has tried
while (!existsSync(go + '.end')) await new Promise((r) => setTimeout(r, 20));
`;

/** A taker process: its answer (won or lost) as soon as it says it, and its end. */
function taker(file: string, go: string): { said: Promise<string>; ended: Promise<void> } {
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', TAKER, file, go], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let say: (s: string) => void = () => undefined;
  const said = new Promise<string>((r) => (say = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.endsWith('\n')) say(out.trim());
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ended = new Promise<void>((done, fail) =>
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`taker exited ${code}: ${err}`)))),
  );
  return { said, ended };
}

describe("the shared server's lock, taken by several processes at once", () => {
  it(
    'over a lock left by a dead process: exactly one of eight wins, round after round',
    { timeout: 60_000 },
    async () => {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      const dir = tempDir('ollm-lock-race-');
      for (let round = 0; round < 4; round++) {
        const file = join(dir, `r${round}.lock`);
        const go = join(dir, `r${round}.go`);
        writeFileSync(file, String(dead));
        const takers = Array.from({ length: 8 }, () => taker(file, go));
        await new Promise((r) => setTimeout(r, 2500)); // every taker started and waiting
        writeFileSync(go, '');
        const said = await Promise.all(takers.map((t) => t.said));
        writeFileSync(`${go}.end`, '');
        await Promise.all(takers.map((t) => t.ended));
        expect(said.filter((r) => r === 'won')).toHaveLength(1);
      }
    },
  );
});
