/**
 * A pattern over a 1,000-deep tree, end to end: the built server walks it and keeps git's
 * .gitignore semantics at depth — a file a rule at the top ignores is left out, one a deeper
 * .gitignore brings back is read, and an ignored folder down there is left out whole.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const DEPTH = 1000;
let fake: FakeOllama;
let project: string;
let deep: string;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  project = tempDir('ollm-e2e-deep-');
  writeFileSync(join(project, '.gitignore'), '*.log\nbuild/\n');
  const rel = Array.from({ length: DEPTH }, () => 'd').join('/');
  deep = join(project, rel);
  mkdirSync(join(deep, 'build'), { recursive: true });
  writeFileSync(join(deep, '..', '.gitignore'), '!keep.log\n'); // one level up from the files
  writeFileSync(join(deep, 'deep.txt'), 'DEEP-TEXT-MARK\n');
  writeFileSync(join(deep, 'keep.log'), 'KEPT-LOG-MARK\n');
  writeFileSync(join(deep, 'drop.log'), 'DROPPED-LOG-MARK\n');
  writeFileSync(join(deep, 'build', 'out.txt'), 'BUILD-OUT-MARK\n');
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

describe('a pattern over a 1,000-deep tree', () => {
  it(
    'honours .gitignore at depth: ignored left out, negated kept, ignored folder left out whole',
    { timeout: 120_000 },
    async () => {
      fake.reply('Read.');
      const res = await session.client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'Say what these files hold.', files: ['**/*.txt', '**/*.log'] },
      });
      const text = (res.content as Array<{ text: string }>)[0]!.text;
      expect(res.isError, text).not.toBe(true);
      const out = res.structuredContent as { inputs: { read: Array<{ path: string }> } };
      const prefix = `${Array.from({ length: DEPTH }, () => 'd').join('/')}/`;
      const short = (path: string) => (path.startsWith(prefix) ? `…/${path.slice(prefix.length)}` : path);
      expect(out.inputs.read.map((r) => short(r.path))).toEqual(['…/deep.txt', '…/keep.log']);
      const sent = JSON.stringify(fake.requests.map((r) => r.body));
      expect(sent).toContain('DEEP-TEXT-MARK');
      expect(sent).toContain('KEPT-LOG-MARK');
      expect(sent).not.toContain('DROPPED-LOG-MARK');
      expect(sent).not.toContain('BUILD-OUT-MARK');
    },
  );
});
