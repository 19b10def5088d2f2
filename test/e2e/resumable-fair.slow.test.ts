/**
 * Resumable streams over Streamable HTTP (2025 era) are fair (issue 41): one client's ordinary
 * traffic — hundreds of pings, several answers of ~2 MB — does not evict another client's stored
 * answer. Slow only for the number of requests it sends (600 pings take half a minute on a busy
 * machine); nothing waits on a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { firstEventThenDrop, generate, generated, pool, RawClient, resumedAnswer, words } from '../helpers/sse.js';

describe("resumable streams: one client cannot evict another's answer", () => {
  let fake: FakeOllama;
  let server: HttpServer;
  beforeAll(async () => {
    fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
    server = await startHttp({
      OLLM_HOME: tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\n'),
      OLLAMA_HOST: fake.host,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.stop();
  });

  it("600 pings of one client do not evict another client's stored answer", async () => {
    const [a, b] = await Promise.all([new RawClient(server.url).initialize(), new RawClient(server.url).initialize()]);
    fake.reply(words(5, 'p'));
    const done = fake.generations().length + 1;
    const priming = await a.callThenDrop(9, 'route_and_generate', generate('a third story'));
    await generated(fake, done);
    await pool(600, 6, async () => expect(await b.request('ping')).toMatchObject({ result: {} }));
    expect(await resumedAnswer(await a.resume(priming.id!))).toMatchObject({
      id: 9,
      result: { structuredContent: { text: words(5, 'p') } },
    });
  }, 90_000); // 600 requests: on a busy machine this takes more than the default 20 s

  for (const read of ['read in full', 'dropped after their first event']) {
    it(`five ~2 MB answers of one client, ${read}, do not evict another client's stored answer`, async () => {
      const [a, b] = await Promise.all([
        new RawClient(server.url).initialize(),
        new RawClient(server.url).initialize(),
      ]);
      fake.reply(words(5, 'b'));
      const done = fake.generations().length + 1;
      const priming = await a.callThenDrop(10, 'route_and_generate', generate('a fourth story'));
      await generated(fake, done);
      const big = { name: 'summarize', arguments: { text: 'é'.repeat(990_000) } }; // 1.98 MB as UTF-8
      for (let i = 0; i < 5; i++) {
        if (read === 'read in full') expect((await b.request('prompts/get', big)).result?.messages).toHaveLength(1);
        else {
          const ac = new AbortController();
          const priming = await firstEventThenDrop(
            await b.post({ jsonrpc: '2.0', id: 50 + i, method: 'prompts/get', params: big }, ac.signal),
            ac,
          );
          // kept: its own client resumes it
          expect((await resumedAnswer(await b.resume(priming.id!))).result?.messages).toHaveLength(1);
        }
      }
      expect(await resumedAnswer(await a.resume(priming.id!))).toMatchObject({
        id: 10,
        result: { structuredContent: { text: words(5, 'b') } },
      });
    });
  }

  it('logs to stderr only: nothing on stdout', () => {
    expect(server.stderr()).not.toContain('[stdout!]');
  });
});
