// Work longer than the client waits (issues 56, 62): the official client at its default 60 s limit
// asks for an answer the fake engine takes ~75 s to give (a token a second). The call is answered
// before the limit — no timeout: the SDK's own 60 s would throw — with the job it runs on and how far
// it is; show_status {job} waits for that job and gets the whole answer, once; the same call again
// then still returns it; the engine was asked once. Over stdio here, over HTTP in the slow-http project.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { Client } from '@modelcontextprotocol/client';
import { connect, tempHome } from '../helpers/spawn.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

let fake: FakeOllama;
const WORDS = 75;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 1000 });
  fake.reply(oneTokenWords(WORDS, 'word'));
});
afterAll(async () => {
  await fake?.stop();
});

describe('a call longer than the client waits', () => {
  it(
    'is answered before the limit with its job; show_status {job} returns the whole answer once, computed once',
    { timeout: 200_000 },
    async () => {
      const s = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host });
      try {
        const args = { prompt: 'Tell a long story about a lighthouse keeper.', model: 'llama3.2', maxTokens: WORDS };
        const asked = () =>
          fake.requests.filter((r) => r.path === '/api/generate' && JSON.stringify(r.body ?? '').includes('lighthouse'))
            .length;
        // the SDK's default 60 s limit
        const first = await s.client.callTool({ name: 'route_and_generate', arguments: args });
        expect(first.isError).not.toBe(true);
        const job = (first.structuredContent as { job?: { id: string; state: string } }).job;
        expect(job?.state).toBe('running');
        const handed = (first.content as Array<{ text: string }>)[0]!.text;
        expect(handed).toMatch(
          new RegExp(
            `^Handed over as job ${job!.id}, still running \\(your client waits 60 s\\): now: ` +
              `llama3\\.2:latest: \\d+ tokens generated`,
          ),
        );
        expect(handed).toContain(`call show_status with {"job":"${job!.id}"}`);
        expect(handed).not.toContain('word1 '); // how far, never the answer so far
        // show_status lists it for this agent, running
        const status = await s.client.callTool({ name: 'show_status', arguments: {} });
        expect((status.structuredContent as { jobs?: Array<{ id: string; state: string }> }).jobs).toContainEqual(
          expect.objectContaining({ id: job!.id, state: 'running' }),
        );
        const collected = await s.client.callTool({ name: 'show_status', arguments: { job: job!.id } });
        expect(collected.isError).not.toBe(true);
        const whole = collected.structuredContent as {
          job: { state: string };
          result: { text: string; model: string };
        };
        expect(whole.job.state).toBe('done');
        expect(whole.result.text).toContain(oneTokenWords(WORDS, 'word').split(' ').at(-1)!);
        expect(whole.result.model).toBe('llama3.2:latest');
        expect((collected.content as Array<{ text: string }>)[0]!.text).toContain(
          oneTokenWords(WORDS, 'word').split(' ').at(-1)!,
        );
        // asked again by its id: not sent twice; the same call again still returns it
        const twice = await s.client.callTool({ name: 'show_status', arguments: { job: job!.id } });
        expect((twice.content as Array<{ text: string }>)[0]!.text).toContain('it is not sent twice');
        const again = await s.client.callTool({ name: 'route_and_generate', arguments: args });
        expect((again.structuredContent as { job?: unknown; text: string }).text).toContain(
          oneTokenWords(WORDS, 'word').split(' ').at(-1)!,
        );
        expect(asked()).toBe(1); // never computed twice
      } finally {
        await s.close();
      }
    },
  );
});

describe('a client given a long limit', () => {
  it('gets the whole answer in its call, with no job', { timeout: 200_000 }, async () => {
    // its agent waits 150 s (agents.patient.timeoutSeconds), and the client's own request timeout says the same
    const s = await connect(
      { OLLM_HOME: tempHome('agents:\n  patient:\n    timeoutSeconds: 150\n'), OLLAMA_HOST: fake.host },
      [],
      undefined,
      new Client({ name: 'patient', version: '1.0.0' }),
    );
    try {
      const args = { prompt: 'Tell a long story about a patient ferryman.', model: 'llama3.2', maxTokens: WORDS };
      const res = await s.client.callTool({ name: 'route_and_generate', arguments: args }, { timeout: 150_000 });
      expect(res.isError).not.toBe(true);
      const whole = res.structuredContent as { job?: unknown; text: string };
      expect(whole.job).toBeUndefined();
      expect(whole.text).toContain(oneTokenWords(WORDS, 'word').split(' ').at(-1)!);
    } finally {
      await s.close();
    }
  });
});
