/**
 * A repository's .gitignore cannot stall the server (issue 61): nested `**` rules over an 80-deep
 * folder chain — both can come with a cloned repository — held the server's only thread for tens of
 * seconds while `route_and_generate` read the tree, and every other call waited. Now the walk keeps
 * git's answers and other calls are answered meanwhile. Nor can a generated .gitignore of plain
 * names (issue 72), which was parsed in one step and tried rule by rule — and, over 1 MB, skipped
 * whole, so the files it names were read and sent; nor is a file named in .git/info/exclude sent.
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

/** What a route_and_generate over `files` read, by path, with show_status asked again and again meanwhile. */
async function readWhileAsked(
  client: Awaited<ReturnType<typeof connect>>['client'],
  files: string[],
): Promise<string[]> {
  let done = false;
  const route = client
    .callTool({ name: 'route_and_generate', arguments: { prompt: 'Say what these files hold.', files } })
    .finally(() => (done = true));
  do {
    const status = await client.callTool({ name: 'show_status', arguments: {} });
    expect(status.isError).not.toBe(true);
  } while (!done);
  const res = await route;
  expect(res.isError, (res.content as Array<{ text: string }>)[0]!.text).not.toBe(true);
  return (res.structuredContent as { inputs: { read: Array<{ path: string }> } }).inputs.read.map((r) => r.path);
}

describe('a .gitignore of 170,000 plain names (1.2 MB) over 3,000 files, and .git/info/exclude', () => {
  let named: string;
  let other: Awaited<ReturnType<typeof connect>>;

  beforeAll(async () => {
    named = tempDir('ollm-e2e-gitignore-names-');
    mkdirSync(join(named, '.git', 'info'), { recursive: true });
    writeFileSync(join(named, '.git', 'info', 'exclude'), 'excluded.txt\n');
    writeFileSync(
      join(named, '.gitignore'),
      `${Array.from({ length: 170_000 }, (_, i) => `n${i}`).join('\n')}\n.gitignore\n`,
    );
    for (let i = 0; i < 3000; i++) {
      if (i < 30) mkdirSync(join(named, `d${i}`));
      writeFileSync(join(named, `d${i % 30}`, `n${i * 50}`), 'NAMED-MARK\n');
    }
    writeFileSync(join(named, 'excluded.txt'), 'EXCLUDED-MARK\n');
    writeFileSync(join(named, 'kept.txt'), 'KEPT-MARK\n');
    other = await connect(
      { OLLM_HOME: tempHome('ram:\n  budget: 20GB\n  bufferBytes: 0\n'), OLLAMA_HOST: fake.host },
      [],
      named,
    );
  });
  afterAll(async () => {
    await other?.close().catch(() => undefined);
  });

  it('is honoured while other calls are answered: nothing either names is sent', { timeout: 120_000 }, async () => {
    fake.reply('Read.');
    const sentBefore = fake.requests.length;
    expect(await readWhileAsked(other.client, ['**/*'])).toEqual(['kept.txt']);
    const sent = JSON.stringify(fake.requests.slice(sentBefore).map((r) => r.body));
    expect(sent).toContain('KEPT-MARK');
    expect(sent).not.toContain('NAMED-MARK');
    expect(sent).not.toContain('EXCLUDED-MARK');
  });
});

describe('a .gitignore of nested "**" over an 80-deep chain', () => {
  it('is honoured while other calls are answered', { timeout: 120_000 }, async () => {
    fake.reply('Read.');
    let done = false;
    const route = session.client
      .callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'Say what these files hold.', files: ['**/*.txt'] },
      })
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
    const read = (res.structuredContent as { inputs: { read: Array<{ path: string }> } }).inputs.read.map((r) =>
      r.path.split('/').pop(),
    );
    expect(read.sort()).toEqual(Array.from({ length: DEPTH / 10 }, (_, k) => `kept-${k * 10 + 9}.txt`).sort());
    expect(JSON.stringify(fake.requests.map((r) => r.body))).not.toContain('IGNORED-MARK');
  });
});
