/**
 * The built server against a hostile host (test/fake-hostile), acting as Ollama and as an
 * OpenAI-compatible engine at once: while it floods, sends a 100 MB line, never stops, sends wrong
 * shapes, nonsense numbers or bodies that never end, MCP ping still answers (a generous bound; the
 * real figures are in `npm run bench -- hostile`), and every failure is an isError text naming the
 * host and the problem — never "bug", never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHostile, MODES, type HostileMode } from '../fake-hostile/server.js';
import { connect, E2E_TRANSPORT, tempHome } from '../helpers/spawn.js';

let fake: FakeHostile;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeHostile.start();
  const yaml = [
    'ram:',
    '  budget: 12GB',
    '  bufferBytes: 0',
    'hosts:',
    `  - {name: engine, kind: openai, url: "${fake.url}/v1", model: "hostile:latest"}`,
    '',
  ].join('\n');
  session = await connect({ OLLM_HOME: tempHome(yaml), OLLAMA_HOST: fake.host, OLLM_LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

const text = (res: { content?: unknown }) =>
  ((res.content as Array<{ text?: string }> | undefined) ?? []).map((c) => c.text ?? '').join('\n');

/** Runs `work` while pinging every 20 ms; the slowest ping. */
/**
 * Pings the server while `work` runs; `pings`: how many it answered before the work settled (how fast:
 * bench/hostile.ts).
 */
async function pingsDuring<T>(work: Promise<T>): Promise<{ result: T; pings: number }> {
  let finished = false;
  let pings = 0;
  const pinger = (async () => {
    while (!finished) {
      await session.client.ping();
      if (!finished) pings++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const result = await work;
    finished = true;
    return { result, pings };
  } finally {
    finished = true;
    await pinger;
  }
}

/**
 * What each misbehaviour must come to: an isError naming the problem, or an answer held to its
 * limits. Where the host misbehaves on every endpoint, which answer is read first depends on what
 * the server had cached (a reading of /api/ps is reused for a second): either is right, as long as
 * it names the endpoint and the problem.
 */
const EITHER = 'either' as const;
const EXPECTED: Record<HostileMode, { isError: boolean | typeof EITHER; says: RegExp }> = {
  ok: { isError: false, says: /hello/ },
  flood: {
    isError: true,
    says: /answered \/api\/generate with 5 lines that are not Ollama's .*5 stream events that are not OpenAI chunks/s,
  },
  // the host serves both Ollama's API and the OpenAI one: each of its two fleet members names its own limit,
  // whichever answer crossed it first
  'huge-line': {
    isError: true,
    says: /^(?=[\s\S]*(?:a line of more than 256 KiB|\/api\/(?:tags|ps) with more than 2 MiB))(?=[\s\S]*(?:stream event over 1 MiB|\/models with more than \d+ MiB))/,
  },
  // an endless stream of one token is a loop: set aside, on every member, and said so
  endless: { isError: true, says: /its answer was set aside: the answer repeated "x" \d+ times/ },
  'wrong-shapes': {
    isError: true,
    says: /"done" must be true or false.*"choices"|answered \/api\/(?:ps|tags|show) with something that is not Ollama's answer|answered GET \/v1\/models with a body that is not OpenAI's/s,
  },
  'bad-numbers': { isError: false, says: /ok ok ok/ },
  'endless-body': { isError: EITHER, says: /ok ok ok|answered \/api\/(?:ps|tags|show) with more than \d+ MiB/ },
};

describe(`a hostile host (${E2E_TRANSPORT})`, () => {
  it('answers properly when it behaves', async () => {
    const res = await session.client.callTool({
      name: 'route_and_generate',
      arguments: { prompt: 'hi', maxTokens: 50, useMemory: false },
    });
    expect(res.isError, text(res)).toBeFalsy();
    expect(text(res)).toMatch(/hello/);
  });

  it.each(MODES)(
    '%s: ping keeps answering, and the result names the host and the problem, never "bug"',
    async (mode) => {
      fake.mode = mode;
      try {
        const { result: res, pings } = await pingsDuring(
          session.client.callTool(
            { name: 'route_and_generate', arguments: { prompt: 'hi', maxTokens: 50, useMemory: false } },
            { timeout: 15_000 },
          ),
        );
        const said = text(res);
        expect(pings).toBeGreaterThan(0); // answered while the call ran
        expect(said).not.toMatch(/bug|Cannot read| {4}at /);
        if (EXPECTED[mode].isError !== EITHER) expect(res.isError === true, said).toBe(EXPECTED[mode].isError);
        expect(said, said).toMatch(EXPECTED[mode].says);
        // the host by its address, or — an answer set aside — by its name in the fleet
        if (res.isError) expect(said).toMatch(new RegExp(`${fake.host.replace(/\./g, '\\.')}|on (?:ollama|engine):`));
        const list = await pingsDuring(
          session.client.callTool({ name: 'list_models', arguments: { refresh: true } }, { timeout: 15_000 }),
        );
        expect(list.pings).toBeGreaterThan(0);
        expect(text(list.result)).not.toMatch(/bug|Cannot read| {4}at /);
      } finally {
        fake.mode = 'ok';
      }
    },
  );

  it('is still served once it behaves again', async () => {
    await expect(session.client.ping()).resolves.toBeDefined();
    const res = await session.client.callTool({
      name: 'route_and_generate',
      arguments: { prompt: 'hi again', maxTokens: 50, useMemory: false },
    });
    expect(res.isError, text(res)).toBeFalsy();
  });
});
