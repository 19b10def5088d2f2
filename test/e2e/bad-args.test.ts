import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, E2E_TRANSPORT, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
  session = await connect({ OLLM_HOME: tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\n'), OLLAMA_HOST: fake.host });
});
afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

const PLACEHOLDER = '__ollm_test_raw_json__';

/**
 * Calls a tool with `raw` (JSON text) in place of the argument `extra`. The client, like any
 * JavaScript client, cannot serialise an object nested 10,000 deep itself (JSON.stringify runs out
 * of stack), so its serialisation of the message is given the text while the call is sent.
 */
async function callWithRaw(name: string, args: Record<string, unknown>, raw: string) {
  const original = JSON.stringify;
  JSON.stringify = ((...a: Parameters<typeof JSON.stringify>) =>
    original(...a)?.replace(`"${PLACEHOLDER}"`, raw)) as typeof JSON.stringify;
  try {
    const res = await session.client.callTool({ name, arguments: { ...args, extra: PLACEHOLDER } });
    return {
      isError: res.isError === true,
      text: (res.content as Array<{ text: string }>)[0]!.text,
      out: res.structuredContent as Record<string, unknown> | undefined,
    };
  } finally {
    JSON.stringify = original;
  }
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const generations = () => fake.requests.filter((r) => r.path === '/api/generate' || r.path === '/api/chat').length;

describe(`arguments out of bounds (${E2E_TRANSPORT})`, () => {
  it(
    'an unknown argument nested 10,000 deep is refused by name before any model is asked, and ' +
      'the server goes on answering',
    async () => {
      const before = generations();
      const res = await callWithRaw('route_and_generate', { prompt: 'hi' }, nested(10_000));
      expect(res.isError, res.text).toBe(true);
      expect(res.text).toBe(
        'Invalid arguments for route_and_generate: "extra.a.a.a.a…" is nested deeper than 32 levels ' +
          '— no argument nests that deep: send plain values.',
      );
      expect(generations()).toBe(before); // refused before any work: no generation was asked for

      fake.reply('Still here.');
      const next = await session.client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'Say something short.', task: 'general' },
      });
      expect(next.isError, JSON.stringify(next.content)).toBeFalsy();
      expect((next.structuredContent as { text: string }).text).toBe('Still here.');
    },
    60_000,
  );

  it('large but legal arguments still work: nested exactly 32 deep, 9,000 values and 4 MiB of text', async () => {
    fake.reply('Fine.');
    const list = `[${Array.from({ length: 9_000 }, () => '0').join(',')}]`;
    // the 1 in "extra.deep.a…a" is 32 keys down; 9,038 values in all
    const raw = `{"deep":${nested(30)},"list":${list},"text":"${'x'.repeat(4 * 2 ** 20)}"}`;
    const res = await callWithRaw(
      'route_and_generate',
      { prompt: 'Say something short.', task: 'general', system: 'Be brief.' },
      raw,
    );
    expect(res.isError, res.text.slice(0, 500)).toBe(false);
    expect(res.out).toMatchObject({ text: 'Fine.' });
  }, 120_000);

  it('too many values, or one level too deep, are refused with the place named', async () => {
    const many = await callWithRaw('recall', {}, `[${Array.from({ length: 10_000 }, () => '0').join(',')}]`);
    expect(many.isError).toBe(true);
    expect(many.text).toBe(
      'Invalid arguments for recall: the arguments hold more than 10000 values (the count passed ' +
        'it at "extra", which holds 10000) — send fewer.',
    );
    const deeper = await callWithRaw('recall', {}, `{"deep":${nested(31)}}`); // 33 keys down
    expect(deeper.text).toMatch(
      /^Invalid arguments for recall: "extra\.deep\.a\.a\.a…" is nested deeper than 32 levels/,
    );
  }, 60_000);
});
