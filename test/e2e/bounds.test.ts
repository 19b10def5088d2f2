import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, E2E_TRANSPORT, run, tempHome } from '../helpers/spawn.js';

const YAML = 'ram:\n  budget: 12GB\n  bufferBytes: 0\n';
const homes: string[] = [];
const home = () => {
  const h = tempHome(YAML);
  homes.push(h);
  return h;
};

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;
let modern: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
  session = await connect({ OLLM_HOME: home(), OLLAMA_HOST: fake.host });
  modern = await connect(
    { OLLM_HOME: home(), OLLAMA_HOST: fake.host },
    [],
    undefined,
    new Client({ name: 'modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } }),
  );
});
afterAll(async () => {
  await session?.close();
  await modern?.close();
  await fake?.stop();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

type Session = typeof session;
const call = async (s: Session, name: string, args: Record<string, unknown>) => {
  const res = await s.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    out: res.structuredContent as Record<string, unknown> | undefined,
    text: (res.content as Array<{ text: string }>)[0]!.text,
  };
};

describe(`bounds with clear answers (${E2E_TRANSPORT})`, () => {
  it('a route_and_generate call carrying ~12 MiB of images is served (the limit is 16 MiB on every transport)', async () => {
    fake.reply('I see three photos.');
    // 3 × 4 MiB of base64 (three images fit a 4k-token vision context)
    const images = Array.from({ length: 3 }, () => randomBytes(3 * 2 ** 20).toString('base64'));
    const res = await call(session, 'route_and_generate', { prompt: 'What is in these photos?', images });
    expect(res.isError, res.text).toBe(false);
    expect(res.out).toMatchObject({ profile: 'vision', text: 'I see three photos.' });
    expect(['llava:7b', 'gemma3:4b']).toContain(res.out!.model); // the fake answers images only from a vision model
  }, 30_000);

  it.each([
    ['2025-11-25', () => session],
    ['2026-07-28', () => modern],
  ])('invalid arguments read as "which field, what is allowed" (protocol %s)', async (_era, which) => {
    const s = which();
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'smart_load',
        { keepAlive: true },
        /^Invalid arguments for smart_load: "keepAlive" must be a number of seconds or a duration like "10m" \(got true\)\.$/,
      ],
      [
        'route_and_generate',
        { temperature: 'hot' },
        /^Invalid arguments for route_and_generate: "prompt" is required; "temperature" must be a number \(got "hot"\)\.$/,
      ],
      [
        'remember',
        { key: 'k', value: 'v', category: 'nope' },
        /^Invalid arguments for remember: "category" must be one of "fact", "preference", "context" \(got "nope"\)\.$/,
      ],
      [
        'compare',
        { prompt: 'x', models: ['a'] },
        /^Invalid arguments for compare: "models" must have at least 2 items \(got a list of 1\)\.$/,
      ],
      [
        'list_models',
        { refresh: 'yes' },
        /^Invalid arguments for list_models: "refresh" must be true or false \(got "yes"\)\.$/,
      ],
    ];
    for (const [name, args, expected] of cases) {
      const res = await call(s, name, args);
      expect(res.isError, name).toBe(true);
      expect(res.text).toMatch(expected);
      expect(res.text).not.toMatch(/\[\{|"code":|Input validation error|received/);
    }
  });

  it('a keep-alive beyond what Ollama can hold is refused with the limit and how to say "forever"', async () => {
    for (const keepAlive of [1e10, '3000000h']) {
      const res = await call(session, 'smart_load', { model: 'llama3.2', keepAlive });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(
        /"keepAlive" must be at most 9223372036 seconds, about 292 years, the longest keep-alive Ollama accepts \(got .+\) — use -1 \(or any negative number\) to keep the model loaded forever\.$/,
      );
    }
    const forever = await call(session, 'smart_load', { model: 'llama3.2', keepAlive: -1 });
    expect(forever.isError, forever.text).toBe(false);
    expect(fake.loaded().find((m) => m.name === 'llama3.2:latest')?.keepAliveMs).toBe(Infinity); // kept forever
  });

  it('a huge model, template or key name is never echoed back whole', async () => {
    const huge = `m${'x'.repeat(199_999)}`;
    for (const [name, args] of [
      ['show_model', { model: huge }],
      ['smart_load', { model: huge }],
      ['pull_model', { model: huge }],
      ['delete_model', { model: huge }],
      ['render_template', { name: huge }],
      ['forget', { key: huge }],
      ['recall', { key: huge }],
    ] as const) {
      const res = await call(session, name, args);
      expect(res.isError, name).toBe(name !== 'forget' && name !== 'recall'); // those two answer "nothing under …"

      expect(res.text.length, `${name}: ${res.text.slice(0, 300)}`).toBeLessThan(2000);
      expect(res.text, name).toContain(`${huge.slice(0, 50)}…${huge.slice(-30)}`);
      expect(res.text, name).toContain('(200000 characters)');
    }
  });
});

describe.skipIf(E2E_TRANSPORT !== 'stdio')('stdio messages over the limit', () => {
  const line = (m: unknown) => JSON.stringify(m);
  const INIT = [
    line({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
    line({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  ];
  const replies = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { id?: unknown; error?: { code: number; message: string }; result?: { tools?: unknown[] } },
      );

  it('get a JSON-RPC error for that request, and the session goes on answering', async () => {
    const big = `{"method":"tools/call","params":{"name":"route_and_generate","arguments":{"prompt":"hi","images":["${'A'.repeat(17 * 2 ** 20)}"]}},"jsonrpc":"2.0","id":"big-1"}`;
    const bigNote = `{"jsonrpc":"2.0","method":"notifications/progress","params":{"x":"${'B'.repeat(17 * 2 ** 20)}"}}`;
    const out = await run(
      [],
      { OLLM_HOME: home(), OLLAMA_HOST: fake.host },
      [
        ...INIT,
        big,
        line({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
        bigNote,
        `junk ${'C'.repeat(17 * 2 ** 20)}`,
        line({ jsonrpc: '2.0', id: 3, method: 'ping' }),
      ],
      4000,
    );
    const answers = replies(out.stdout);
    const tooBig =
      /^The message is 17 MiB, over the 16 MiB limit for one MCP message: send fewer or smaller images \(scale photos down before encoding them\), or split the work into several calls\.$/;
    expect(answers.find((a) => a.id === 'big-1')?.error).toMatchObject({
      code: -32600,
      message: expect.stringMatching(tooBig),
    });
    expect(answers.find((a) => a.id === 2)?.result?.tools?.length).toBeGreaterThan(10);
    // the junk line: no id to answer with; the notification: no answer
    expect(answers.filter((a) => a.error && a.id === undefined)).toHaveLength(1);
    expect(answers.find((a) => a.id === 3)?.result).toEqual({});
    expect(out.stderr).toMatch(/refused a message of \d+ bytes \(over 16777216\), request "big-1"/);
  }, 30_000);

  it('a long text inline is told to go by path, not to scale photos down (issue 75, finding 7)', async () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil((19 * 2 ** 20) / 45));
    const big = line({
      jsonrpc: '2.0',
      id: 'text-1',
      method: 'tools/call',
      params: { name: 'route_and_generate', arguments: { prompt: prose } },
    });
    const out = await run(
      [],
      { OLLM_HOME: home(), OLLAMA_HOST: fake.host },
      [...INIT, big, line({ jsonrpc: '2.0', id: 3, method: 'ping' })],
      4000,
    );
    const answers = replies(out.stdout);
    const message = answers.find((a) => a.id === 'text-1')?.error?.message ?? '';
    expect(message).toMatch(
      /^The message is 19 MiB, over the 16 MiB limit for one MCP message: pass a long text by path \(files: \["path\/to\/it"\]\)/,
    );
    expect(message).not.toMatch(/photos|images/);
    expect(answers.find((a) => a.id === 3)?.result).toEqual({});
  }, 30_000);
});
