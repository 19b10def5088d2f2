// Claude Code moves a tool call to the background after 120 s, and its agent may never read the
// result then (issue 62). A client named claude-code, with no settings of its own, asks for an
// answer the fake engine takes ~130 s to give (a token a second): the call is handed over — a job,
// while the engine is still writing — so it comes back in the foreground, with progress arriving
// all the while; show_status {job} then waits and returns the whole answer. Over stdio in the slow
// project, over Streamable HTTP in slow-http.
import { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { ask, fewestNotifications, strayProgress } from '../helpers/hand-over.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const WORDS = 130; // a token a second: ~130 s
/** What Claude Code waits before it backgrounds a call. */
const CLAUDE_CODE_MS = 120_000;

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 1000 });
  fake.reply(oneTokenWords(WORDS, 'tide'));
});
afterAll(async () => {
  await fake?.stop();
});

const inFlight = () => fake.loaded().reduce((n, m) => n + m.inFlight, 0);

describe('claude-code and a call longer than it waits in the foreground', () => {
  it(
    'is handed over while the engine still writes, progress arriving meanwhile, and show_status ' +
      '{job} returns the whole answer',
    { timeout: 240_000 },
    async () => {
      const s = await connect(
        { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host },
        [],
        undefined,
        new Client({ name: 'claude-code', version: '2.1.212' }),
      );
      const wire = strayProgress(s.client);
      try {
        const args = { prompt: 'Tell a long story about a tide mill.', model: 'llama3.2', maxTokens: WORDS };
        // the client gives up where Claude Code backgrounds the call
        const first = await ask(s.client, 'route_and_generate', args, CLAUDE_CODE_MS);
        expect(first.isError, first.text).toBe(false);
        const job = first.structured.job;
        expect(job).toMatchObject({ id: expect.stringMatching(/^job-[0-9a-f]{8}$/), state: 'running' });
        expect(inFlight()).toBe(1); // the engine had not finished: the hand-over came first
        expect(first.text).not.toContain(oneTokenWords(WORDS, 'tide').split(' ').at(-1)!);
        expect(
          first.progress.length,
          `${first.progress.length} notifications over ${first.seconds.toFixed(1)} s`,
        ).toBeGreaterThanOrEqual(fewestNotifications(first.seconds));
        // claude-code is taken to wait 120 s, not the SDK's 60
        expect(first.text).toMatch(/your client waits (120 s|2 min)/);
        let whole = await ask(s.client, 'show_status', { job: job!.id }, CLAUDE_CODE_MS);
        for (let i = 0; i < 3 && whole.structured.job?.state === 'running'; i++)
          whole = await ask(s.client, 'show_status', { job: job!.id }, CLAUDE_CODE_MS);
        expect(whole.isError, whole.text).toBe(false);
        expect(whole.structured.job).toMatchObject({ id: job!.id, state: 'done' });
        expect(whole.structured.result?.text).toContain(oneTokenWords(WORDS, 'tide').split(' ').at(-1)!);
        expect(whole.text).toContain(oneTokenWords(WORDS, 'tide').split(' ').at(-1)!);
        expect(whole.progress.length).toBeGreaterThanOrEqual(fewestNotifications(whole.seconds));
        expect(
          fake.generations().filter((g) => JSON.stringify(g.messages ?? g.prompt).includes('tide mill')),
        ).toHaveLength(1);
        // the job wrote on for ~20 s after the hand-over: none of it reached the handed-over call
        expect(wire.strays, wire.strays.join('\n')).toEqual([]);
      } finally {
        await s.close();
      }
    },
  );
});
