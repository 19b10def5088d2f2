/**
 * A repository's .gitignore cannot stall the server (issue 61): nested `**` rules over an 80-deep
 * folder chain — both can come with a cloned repository — held the server's only thread for tens of
 * seconds while `route_and_generate` read the tree, and every other call waited. Now the walk keeps
 * git's answers and other calls are answered meanwhile.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const DEPTH = 80;
let fake: FakeOllama;
let project: string;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  project = tempDir('ollm-e2e-gitignore-');
  writeFileSync(join(project, '.gitignore'), 'a/**/a/**/a/**/a/**/a/**/a/**/b\n');
  let dir = project;
  for (let i = 0; i < DEPTH; i++) {
    dir = join(dir, 'a');
    mkdirSync(dir);
    if (i % 10 === 9) writeFileSync(join(dir, `kept-${i}.txt`), `KEPT-${i}\n`);
  }
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'b', 'ignored.txt'), 'IGNORED-MARK\n');
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0 });
  session = await connect({ OLLM_HOME: tempHome('ram:\n  budget: 20GB\n  bufferBytes: 0\n'), OLLAMA_HOST: fake.host }, [], project);
});
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
});

describe('a .gitignore of nested "**" over an 80-deep chain', () => {
  it('is honoured while other calls are answered', { timeout: 120_000 }, async () => {
    fake.reply('Read.');
    let done = false;
    const route = session.client
      .callTool({ name: 'route_and_generate', arguments: { prompt: 'Say what these files hold.', files: ['**/*.txt'] } })
      .finally(() => (done = true));
    // show_status asked again and again while the tree is read: each one answered (that the walk gives the
    // thread back is counted in test/unit/gitignore.test.ts; how long a call waits is no test's to time)
    do {
      const status = await session.client.callTool({ name: 'show_status', arguments: {} });
      expect(status.isError).not.toBe(true);
    } while (!done);
    const res = await route;
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    expect(res.isError, text).not.toBe(true);
    const read = (res.structuredContent as { inputs: { read: Array<{ path: string }> } }).inputs.read.map((r) => r.path.split('/').pop());
    expect(read.sort()).toEqual(Array.from({ length: DEPTH / 10 }, (_, k) => `kept-${k * 10 + 9}.txt`).sort());
    expect(JSON.stringify(fake.requests.map((r) => r.body))).not.toContain('IGNORED-MARK');
  });
});
