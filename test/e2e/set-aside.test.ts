/**
 * Only broken answers are set aside (issue 42), end to end over the built server: a diff review
 * citing the changed file's lines and a build-log summary citing source files that were not read
 * are handed back from the model that wrote them (citations verified, or unchecked — never
 * counted against the answer); an answer that writes a line ten times when asked to is handed
 * back; a model that loops until its length limit is still replaced, the reason said.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { git } from '../helpers/diff-repos.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

type Citation = { raw: string; verdict: string; why?: string };
type Out = {
  model: string;
  fallbacks: Array<{ model: string; error: string }>;
  citations?: { verified: number; flagged: number; unchecked: number; summary: string; citations: Citation[] };
};

const BEFORE = ['def add(a, b):', '    return a - b', '', '', 'def mul(a, b):', '    return a + b', ''].join('\n');
const AFTER = ['def add(a, b):', '    return a + b', '', '', 'def mul(a, b):', '    return a * b', ''].join('\n');
const LOG = [
  '[1/3] Compiling src/main.c',
  "src/main.c:12:5: error: 'count' undeclared (first use in this function)",
  "src/util.c:40:1: warning: unused variable 'x'",
  'make: *** [all] Error 1',
  '',
].join('\n');
const LINE = 'I will not talk in class.';

/**
 * llama3.2 first for every kind of work, as the user's setting (a named model answers alone: a set-aside
 * answer goes to the next model only on a routed call).
 */
const FIRST =
  'model:\n  routing:\n    overrides: {fast: llama3.2, general: llama3.2, code: llama3.2, ' +
  'creative: llama3.2, reasoning: llama3.2}\n';

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  const root = tempDir('ollm-set-aside-');
  git(root, 'init', '-q');
  writeFileSync(join(root, 'code.py'), BEFORE);
  git(root, 'add', 'code.py');
  git(root, 'commit', '-q', '-m', 'first');
  writeFileSync(join(root, 'code.py'), AFTER); // the working tree's change: lines 2 and 6
  writeFileSync(join(root, 'build.log'), LOG);
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0 });
  session = await connect(
    { OLLM_HOME: tempHome(`ram:\n  budget: 20GB\n  bufferBytes: 0\n${FIRST}`), OLLAMA_HOST: fake.host },
    [],
    root,
  );
}, 120_000);
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
});
beforeEach(() => fake.reply('ok'));

async function call(args: Record<string, unknown>) {
  const res = await session.client.callTool({ name: 'route_and_generate', arguments: { useMemory: false, ...args } });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Out,
  };
}

describe('citations are checked against what was read, and what was not read is unchecked', () => {
  it("a diff review citing the changed file's lines is handed back with its citations verified", async () => {
    fake.reply('code.py:2 `return a + b` fixes add; code.py:5 `def mul(a, b):` is unchanged context.');
    const r = await call({ prompt: 'Review this change.', task: 'code', diff: {} });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).toBe('llama3.2:latest');
    expect(r.out.fallbacks).toEqual([]);
    expect(r.out.citations!.citations).toEqual([
      expect.objectContaining({ raw: 'code.py:2', verdict: 'verified' }),
      expect.objectContaining({ raw: 'code.py:5', verdict: 'verified' }),
    ]);
    expect(r.out.citations!.summary).toBe('2 of 2 citations verified');
  });

  it('a diff review whose quotes are not on the lines the diff shows still goes to the next model', async () => {
    fake.reply((ctx) =>
      ctx.model.startsWith('llama3.2')
        ? 'code.py:2 `return a * a` and code.py:6 `return b - b` are wrong.'
        : 'code.py:6 `return a * b` now multiplies.',
    );
    const r = await call({ prompt: 'Review this change.', task: 'code', diff: {} });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).not.toMatch(/llama3\.2/);
    expect(r.out.fallbacks[0]!.error).toMatch(
      /its answer was set aside: most of its citations do not hold \(0 of 2 citations verified; the quoted text is not on line 2 of code\.py/,
    );
    expect(r.out.citations!.summary).toBe('1 of 1 citation verified');
  });

  it(
    'a build-log summary citing the source lines the log names is handed back: those files were ' +
      'not read, so they are unchecked',
    async () => {
      fake.reply('The build stops at src/main.c:12 (`count` is undeclared, build.log:2) and src/util.c:40 only warns.');
      const r = await call({ prompt: 'Summarise why the build fails.', task: 'summarize', files: ['build.log'] });
      expect(r.isError, r.text).toBe(false);
      expect(r.out.model).toBe('llama3.2:latest');
      expect(r.out.fallbacks).toEqual([]);
      expect(r.out.citations).toMatchObject({
        verified: 1,
        flagged: 0,
        unchecked: 2,
        summary: '1 of 1 citation verified, 2 unchecked',
      });
      expect(r.out.citations!.citations).toEqual([
        expect.objectContaining({
          raw: 'src/main.c:12',
          verdict: 'unchecked',
          why: 'src/main.c was not read, so it could not be checked',
        }),
        expect.objectContaining({ raw: 'build.log:2', verdict: 'verified' }),
        expect.objectContaining({ raw: 'src/util.c:40', verdict: 'unchecked' }),
      ]);
      expect(r.text).toMatch(/Citations: 1 of 1 citation verified, 2 unchecked\./);
    },
  );
});

describe('repetition the caller asked for is kept; a loop to the length limit is not', () => {
  it('a line written ten times when asked is handed back from the first model', async () => {
    fake.reply(`Here it is:\n${`${LINE}\n`.repeat(10)}`);
    const r = await call({ prompt: `Write the line "${LINE}" ten times, one per line.` });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).toBe('llama3.2:latest');
    expect(r.out.fallbacks).toEqual([]);
    expect(r.text.startsWith(`Here it is:\n${LINE}\n`)).toBe(true);
  });

  it('a model repeating the same line until its length limit is replaced, and the result says why', async () => {
    fake.reply((ctx) => (ctx.model.startsWith('llama3.2') ? `${LINE}\n`.repeat(200) : `${LINE}\n`.repeat(10)));
    const r = await call({ prompt: `Write the line "${LINE}" ten times, one per line.`, maxTokens: 100 });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).not.toMatch(/llama3\.2/);
    expect(r.out.fallbacks).toEqual([
      expect.objectContaining({
        model: 'llama3.2:latest',
        error: `its answer was set aside: the answer repeated "${LINE}" 14 times`,
      }),
    ]);
  });
});
