/**
 * Issue 64 on the real engine: three questions over one file, with remembered facts chosen per
 * question, asked of a real llama.cpp llama-server (built by `npm run engine`) serving the stories
 * model — the 2nd and 3rd read at most 10% of their prompt tokens; the rest llama-server finds in
 * its slot's cache from the question before (`timings.cache_n`, reported by ollm-mcp as
 * metrics.cachedPromptTokens). test/integration/prefix-layout.test.ts is the same against the fake.
 *
 * The file is a log of ~8 KB, not 40 KB: the stories model's tokenizer (a vocabulary of 512) counts
 * a log line's ~65 bytes as ~50 tokens, so 40 KB of log is ~32,000 tokens, and on CPU the engine's
 * first read of a prompt grows with its square — measured on 2 busy cores: 3,100 tokens 6 s,
 * 6,200 tokens 13–15 s, 15,700 tokens (40 KB of prose) 91 s, 27,400 tokens over 5 minutes. 8 KB is
 * ~6,400 tokens, read once in ~15 s. The model's own window is 2,048 tokens (llama-server caps a
 * slot at the trained context): `--override-kv llama.context_length` raises it, and `-fa off` reads
 * a long prompt three times as fast as flash attention on this CPU build.
 *
 * The layout is what makes this so: sent by hand with the facts before the file instead, each
 * question's facts differing, llama-server (cache_prompt on, --cache-reuse off by default) found
 * only the ~50 tokens before the facts in its cache and read ~98% of every prompt again.
 *
 * A recording proxy in front of llama-server keeps every request's body: the prompt the engine was
 * sent shows the remembered facts, after the file and the question. Skipped when the engine is not
 * built, unless OLLM_REQUIRE_ENGINE=1 (CI builds it and sets that).
 */
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { PROMPT_HEADER } from '../../src/orchestrator/memory/memory-search.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { gatheredLog } from '../helpers/fair.js';
import { HAVE_ENGINE, STORIES, startEngine, stopEngines } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const RUN = HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1';

/** The slot's window: the file, the facts and the answer with room to spare (the KV cache of 16k tokens is ~10 MB). */
const CTX = 16_384;

/** ~8 KB of a service's log: the lines of prefix-layout.test.ts's 40 KB log, the first 120 of them. */
const LOG = Array.from({ length: 120 }, (_, i) => `2026-11-25T10:${String(i % 60).padStart(2, '0')}:00Z worker-${i % 7} handled job ${i} in ${(i * 37) % 900} ms status=${i % 13 === 0 ? 'error' : 'ok'}`).join('\n');

/** Remembered facts on four subjects; a question's words rank its subject's facts first (memory-search.ts). */
const SUBJECTS = ['worker', 'deploy', 'queue', 'billing'] as const;
const FACTS = Array.from({ length: 40 }, (_, i) => ({ key: `${SUBJECTS[i % 4]} rule ${i}`, value: `the ${SUBJECTS[i % 4]} rule number ${i} holds on ${['Mondays', 'Fridays'][i % 2]}` }));

/** Each question, and the subject whose facts it must be sent with. */
const QUESTIONS = [
  { prompt: 'Which worker failed most often?', subject: 'worker' },
  { prompt: 'When does the deploy happen?', subject: 'deploy' },
  { prompt: 'Summarize the queue errors.', subject: 'queue' },
] as const;

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
afterAll(stopEngines);

/** A proxy to `target` that keeps the body of every request sent through it. */
async function recordingProxy(target: string): Promise<{ url: string; seen: Array<{ path: string; body: string }>; server: Server }> {
  const seen: Array<{ path: string; body: string }> = [];
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ path: req.url ?? '', body: body.toString('utf8') });
      const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, server };
}

/** The user message of a chat completion's body. */
function userText(body: string): string {
  const { messages } = JSON.parse(body) as { messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }> };
  const user = messages.filter((m) => m.role === 'user').at(-1)!;
  return typeof user.content === 'string' ? user.content : user.content.map((p) => p.text ?? '').join('');
}

describe.runIf(RUN)('a real llama-server reading one file for three questions', () => {
  it('with remembered facts chosen per question, the 2nd and 3rd read at most 10% of their prompt tokens', async () => {
    const engine = await startEngine({ model: STORIES, alias: 'reader', ctx: CTX }, ['--override-kv', `llama.context_length=int:${CTX}`, '-fa', 'off']);
    const proxy = await recordingProxy(engine.url);
    const ollama = await FakeOllama.start({ models: [] }); // the default host, with no models
    stops.push(() => engine.kill(), () => new Promise((r) => proxy.server.close(r)), () => ollama.stop());
    const home = tempDir('ollm-home-');
    // a small budget of facts (the stories tokenizer counts ~2.5 tokens where the estimate counts one): a few lines each question
    writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${proxy.url}\nmemory:\n  promptBudgetTokens: 100\n`);
    const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
    const orch = new Orchestrator(config, { memorySource: { memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }), gpus: async () => [] } });
    stops.push(() => orch.shutdown(200));
    for (const f of FACTS) await orch.memoryStore.remember(f.key, f.value);

    // the engine's own count of the file: what the 2nd and 3rd must find in the cache at least
    const fileTokens = ((await (await fetch(`${engine.url}/tokenize`, { method: 'POST', body: JSON.stringify({ content: LOG }) })).json()) as { tokens: number[] }).tokens.length;
    expect(fileTokens).toBeGreaterThan(5000);

    const figures: Array<{ prompt: number; cached: number; read: number; ms: number }> = [];
    const factBlocks: string[] = [];
    for (const q of QUESTIONS) {
      const from = proxy.seen.length;
      const started = Date.now();
      const r = await offload(orch, { prompt: q.prompt, model: 'reader', inputs: gatheredLog(LOG), maxTokens: 16, temperature: 0 });
      const ms = Date.now() - started;
      expect(r).toMatchObject({ provider: 'llamacpp', host: 'llama' });
      expect(r.split).toBeUndefined(); // one request: the whole file fits the window
      expect(r.fallbacks).toEqual([]);
      // the request the engine answered: one generation, the file, the question, then this question's facts
      const chats = proxy.seen.slice(from).filter((s) => s.path.startsWith('/v1/chat/completions'));
      expect(chats).toHaveLength(1);
      const sent = userText(chats[0]!.body);
      const fileAt = sent.indexOf(LOG);
      const questionAt = sent.indexOf(q.prompt);
      const factsAt = sent.indexOf(PROMPT_HEADER);
      expect(fileAt).toBeGreaterThanOrEqual(0);
      expect(questionAt).toBeGreaterThan(fileAt);
      expect(factsAt).toBeGreaterThan(questionAt);
      const facts = sent.slice(factsAt + PROMPT_HEADER.length).trim().split('\n');
      expect(facts.length).toBeGreaterThanOrEqual(3);
      expect(facts[0]).toContain(`${q.subject} rule`); // chosen by the question: its subject's facts first
      factBlocks.push(facts.join('\n'));
      const prompt = r.metrics.promptTokens;
      const cached = r.metrics.cachedPromptTokens ?? -1;
      figures.push({ prompt, cached, read: prompt - cached, ms });
    }
    // each question was sent other facts
    expect(new Set(factBlocks).size).toBe(3);
    console.log('prompt tokens, cached, read, ms per question:', JSON.stringify(figures));

    const [first, second, third] = figures as [(typeof figures)[0], (typeof figures)[0], (typeof figures)[0]];
    // the engine's figures mean something: the first question found nothing of its prompt cached
    expect(first.cached).toBeGreaterThanOrEqual(0);
    expect(first.read / first.prompt).toBeGreaterThan(0.9);
    for (const later of [second, third]) {
      expect(later.cached).toBeGreaterThanOrEqual(fileTokens); // the whole file came from the cache
      expect(later.read / later.prompt).toBeLessThanOrEqual(0.1);
    }
  }, 180_000);
});
