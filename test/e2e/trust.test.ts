/**
 * Answers an agent can trust, end to end over the built server: the model is asked to cite what it
 * read by reference as path:line, and every citation is checked against what was read (a
 * fabricated one flagged with why, a correct one verified); an answer that loops, is empty, or
 * whose citations mostly do not hold is set aside and the next model answers, the reason said.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const RETRY = [
  'export async function retry<T>(fn: () => Promise<T>): Promise<T> {',
  '  let last: unknown;',
  '  for (let i = 0; i < 3; i++) {',
  '    try {',
  '      return await fn();',
  '    } catch (err) {',
  '      last = err;',
  '      await new Promise((r) => setTimeout(r, 100 * 2 ** i));',
  '    }',
  '  }',
  '  throw last;',
  '}',
].join('\n'); // 12 lines, no final newline

type Out = {
  model: string;
  fallbacks: Array<{ model: string; error: string }>;
  citations?: {
    verified: number;
    flagged: number;
    summary: string;
    citations: Array<{ raw: string; verdict: string; why?: string }>;
  };
};

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
  const root = tempDir('ollm-trust-');
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'retry.ts'), RETRY);
  // the same lines with old-Mac line ends (CR alone), and with all three kinds mixed
  writeFileSync(join(root, 'src', 'retry-cr.ts'), `${RETRY.replaceAll('\n', '\r')}\r`);
  writeFileSync(
    join(root, 'src', 'retry-mixed.ts'),
    RETRY.split('\n')
      .map((line, i) => `${line}${['\r', '\r\n', '\n'][i % 3]}`)
      .join(''),
  );
  writeFileSync(join(root, '.git'), ''); // a project folder
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0 });
  session = await connect(
    { OLLM_HOME: tempHome(`ram:\n  budget: 20GB\n  bufferBytes: 0\n${FIRST}`), OLLAMA_HOST: fake.host },
    [],
    root,
  );
});
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

describe('citations of what was read', () => {
  it('asks the model to cite path:line, flags a fabricated citation with why, and verifies a correct one', async () => {
    fake.reply(
      'The loop is at src/retry.ts:3 `for (let i = 0; i < 3; i++) {` and the back-off delay is ' +
        'set at src/retry.ts:120.',
    );
    const r = await call({ prompt: 'Explain how this retries.', task: 'code', files: ['src/retry.ts'] });
    expect(r.isError, r.text).toBe(false);
    const system = JSON.stringify(fake.requests.filter((q) => q.path === '/api/generate').at(-1)!.body);
    expect(system).toMatch(/Cite inputs as path:line/);
    expect(r.out.citations!.citations).toEqual([
      expect.objectContaining({ raw: 'src/retry.ts:3', verdict: 'verified' }),
      expect.objectContaining({
        raw: 'src/retry.ts:120',
        verdict: 'flagged',
        why: 'src/retry.ts:120 does not exist: the file has 12 lines',
      }),
    ]);
    expect(r.out.citations!.summary).toBe('1 of 2 citations verified');
    expect(r.text).toMatch(
      /Citations: 1 of 2 citations verified; flagged: src\/retry\.ts:120 does not exist: the file has 12 lines\./,
    );
    // the answer, then at most three short lines: who answered, what was read (and the citations), what it saved
    const tail = r.text.split('\n\n').at(-1)!.split('\n');
    expect(tail.length).toBeLessThanOrEqual(3);
  });

  it.each([
    ['retry-cr.ts', 'CR alone (old Mac)'],
    ['retry-mixed.ts', 'CR, CRLF and LF mixed'],
  ])(
    'a file with line ends of %s has its 12 lines: line 8 with its quote is verified, line 13 flagged',
    async (file, _ends) => {
      fake.reply(
        `The delay is set at src/${file}:8 \`await new Promise((r) => setTimeout(r, 100 * 2 ** ` +
          `i));\`, the loop at src/${file}:3 \`for (let i = 0; i < 3; i++) {\` and it ends at ` +
          `src/${file}:13.`,
      );
      const r = await call({ prompt: 'Explain how this retries.', task: 'code', files: [`src/${file}`] });
      expect(r.isError, r.text).toBe(false);
      expect(r.out.citations!.citations).toEqual([
        expect.objectContaining({ raw: `src/${file}:8`, verdict: 'verified' }),
        expect.objectContaining({ raw: `src/${file}:3`, verdict: 'verified' }),
        expect.objectContaining({
          raw: `src/${file}:13`,
          verdict: 'flagged',
          why: `src/${file}:13 does not exist: the file has 12 lines`,
        }),
      ]);
    },
  );

  it('an answer whose citations mostly do not hold goes to the next model, which answers', async () => {
    fake.reply((ctx) =>
      ctx.model.startsWith('llama3.2')
        ? 'See src/retry.ts:40, src/retry.ts:41-44 and src/other.ts:2.'
        : 'The loop is at src/retry.ts:3.',
    );
    const r = await call({ prompt: 'Summarise where it loops.', task: 'summarize', files: ['src/retry.ts'] });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).not.toMatch(/llama3\.2/);
    expect(r.out.fallbacks[0]!.error).toMatch(
      /its answer was set aside: most of its citations do not hold \(0 of 2 citations verified, 1 unchecked; src\/retry\.ts:40 does not exist: the file has 12 lines\)/,
    );
    expect(r.out.citations!.summary).toBe('1 of 1 citation verified');
  });
});

describe('degenerate answers are not handed back', () => {
  it("a looping answer is replaced by another model's, and the result says why", async () => {
    fake.reply((ctx) =>
      ctx.model.startsWith('llama3.2')
        ? 'I am a cat. '.repeat(80)
        : 'The sky is blue because air scatters blue light most.',
    );
    const r = await call({ prompt: 'Why is the sky blue?' });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).not.toMatch(/llama3\.2/);
    expect(r.out.fallbacks).toEqual([
      expect.objectContaining({
        model: 'llama3.2:latest',
        error: 'its answer was set aside: the answer repeated "I am a cat." 80 times',
      }),
    ]);
    expect(r.text).toMatch(
      /1 tried first: llama3\.2:latest \(its answer was set aside: the answer repeated "I am a cat\." 80 times\)/,
    );
  });

  it('an empty answer still is', async () => {
    fake.reply((ctx) => (ctx.model.startsWith('llama3.2') ? '' : 'A real answer.'));
    const r = await call({ prompt: 'Say something.' });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).not.toMatch(/llama3\.2/);
    expect(r.out.fallbacks[0]!.model).toBe('llama3.2:latest');
    expect(r.text.startsWith('A real answer.')).toBe(true);
  });
});
