/**
 * Issue 54, finding 8: a llama.cpp router at `-c 1536` the only host, a 48 KB log read by path.
 * It was refused ("even split it cannot fit: its 1536-token window leaves too little room beside
 * the task and remembered facts (~602 tokens)…") although parts of ~700 tokens fit: the plan
 * counted the whole memory budget and the citation guide into every part. Now what a part may go
 * without is left out until parts fit, and the log is answered in several parts through
 * route_and_generate with `files:`. The built server against the fake router (its tokenizer counts
 * a token a word): every request it is sent fits the window by that count.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import type { connect } from '../helpers/spawn.js';
import { routerSession, STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';
import { log48k } from '../helpers/log-fixture.js';

const WINDOW = 1536;
let ollama: FakeOllama;
let router: FakeLlamacpp;
let session: Awaited<ReturnType<typeof connect>>;
const logs = tempDir('ollm-logs-');
const chats: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  router = await FakeLlamacpp.start({
    models: [{ id: 'stories', file: STORIES, ctxSize: WINDOW }],
    modelsMax: 1,
    reply: (body) => {
      chats.push(body);
      return /Combine them into one answer/.test(JSON.stringify(body['messages']))
        ? 'FINAL: errors at LINE-0 and LINE-13'
        : 'partial: LINE-13 status=error';
    },
  });
  ({ session, ollama } = await routerSession(router.url, logs));
}, 30_000);
afterAll(async () => {
  await session?.close();
  await Promise.all([ollama?.stop(), router?.stop()]);
});

describe('a 48 KB log on a llama.cpp router at -c 1536, the only host', () => {
  it(
    'is answered in several parts through route_and_generate with files:, not refused; every request fits the window',
    { timeout: 60_000 },
    async () => {
      const text = log48k();
      writeFileSync(join(logs, 'app.log'), text);
      // remembered facts on (the default): their budget is what the old plan could not fit beside every part
      const res = await session.client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'Summarize the errors in this log.', files: [join(logs, 'app.log')] },
      });
      const out = res.structuredContent as {
        model: string;
        provider: string;
        text: string;
        split?: { parts: number; calls: number; contextTokens: number };
      };
      expect(res.isError === true, (res.content as Array<{ text: string }>)[0]!.text).toBe(false);
      expect(out).toMatchObject({
        provider: 'llamacpp',
        model: 'stories:latest',
        text: 'FINAL: errors at LINE-0 and LINE-13',
      });
      expect(out.split!.contextTokens).toBe(WINDOW);
      expect(out.split!.parts).toBeGreaterThan(1);
      expect(chats).toHaveLength(out.split!.calls);
      // by the router's own count (a token a word): prompt and answer within the window, every line of the log sent
      const words = (b: Record<string, unknown>) =>
        (b['messages'] as Array<{ content: string }>).reduce(
          (n, m) => n + (m.content.match(/\S+\s*/g)?.length ?? 0),
          0,
        );
      for (const b of chats) expect(words(b) + Number(b['max_tokens'] ?? 0)).toBeLessThanOrEqual(WINDOW);
      const got = new Set([...JSON.stringify(chats).matchAll(/LINE-(\d+) handled/g)].map((m) => Number(m[1])));
      expect(got.size).toBe(text.trimEnd().split('\n').length);
    },
  );
});
