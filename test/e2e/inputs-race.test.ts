/**
 * A file swapped for a link to a secret outside the project while the built server reads it, end
 * to end: a child process swaps an allowed file for such a link and back, hundreds of times, while
 * the server is asked to read it by path and by pattern; the secret never reaches the model.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const SECRET = 'SECRET-RACE-MARK';
const ALLOWED = 'ALLOWED-RACE-MARK';
/** Swaps: at most this many, for at most this long (the calls end it sooner). */
const SWAPS = 50_000;
const SWAP_MS = 60_000;
/** Calls made while the swapping goes on. */
const CALLS = 300;

// Swaps <project>/notes.txt for a link to the secret and back, each by an atomic rename, with a
// millisecond between; leaves the file in place at the end.
const SWAPPER = `
const fs = require('node:fs'); const path = require('node:path');
const [dir, secret, swaps, ms, text] = process.argv.slice(1);
const target = path.join(dir, 'notes.txt'), link = path.join(dir, '.swap-link'), file = path.join(dir, '.swap-file');
const nap = new Int32Array(new SharedArrayBuffer(4));
const end = Date.now() + Number(ms);
for (let i = 0; i < Number(swaps) && Date.now() < end; i++) {
  fs.symlinkSync(secret, link); fs.renameSync(link, target);
  Atomics.wait(nap, 0, 0, 1);
  fs.writeFileSync(file, text); fs.renameSync(file, target);
  Atomics.wait(nap, 0, 0, 1);
}
`;

let fake: FakeOllama;
let project: string;
let secret: string;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  const top = tempDir('ollm-e2e-race-');
  project = join(top, 'project');
  mkdirSync(project);
  mkdirSync(join(top, 'outside'));
  secret = join(top, 'outside', 'secret.txt');
  writeFileSync(secret, `${SECRET}\n`);
  writeFileSync(join(project, 'notes.txt'), `${ALLOWED}\n`);
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0 });
  fake.reply('Noted.');
  session = await connect(
    { OLLM_HOME: tempHome('ram:\n  budget: 20GB\n  bufferBytes: 0\n'), OLLAMA_HOST: fake.host },
    [],
    project,
  );
});
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
});

describe('a file swapped for a link while the server reads it', () => {
  it('never sends the secret the link leads to, by path or by pattern', { timeout: 180_000 }, async () => {
    const swapper: ChildProcess = spawn(
      process.execPath,
      ['-e', SWAPPER, project, secret, String(SWAPS), String(SWAP_MS), `${ALLOWED}\n`],
      { stdio: 'ignore' },
    );
    const ended = new Promise<void>((done) => swapper.once('exit', () => done()));
    let running = true;
    void ended.then(() => (running = false));
    const texts: string[] = [];
    let reads = 0;
    let calls = 0;
    try {
      while (running && calls < CALLS) {
        const files = calls % 2 === 0 ? ['notes.txt'] : ['*.txt'];
        calls++;
        const res = await session.client.callTool({
          name: 'route_and_generate',
          arguments: { prompt: 'Say what this note is.', files },
        });
        const text = (res.content as Array<{ text: string }>)[0]!.text;
        texts.push(text);
        if (res.isError !== true && text.includes('notes.txt')) reads++;
      }
    } finally {
      swapper.kill();
      await ended;
    }
    const sent = JSON.stringify(fake.requests.map((r) => r.body));
    expect(calls).toBe(CALLS); // the race ran its course while the file was being swapped
    expect(reads).toBeGreaterThan(0); // and the file was read when it was itself
    expect(sent).toContain(ALLOWED);
    expect(sent).not.toContain(SECRET);
    expect(texts.join('\n')).not.toContain(SECRET);
  });
});
