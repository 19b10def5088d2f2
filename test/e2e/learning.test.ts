/**
 * Routing learns from the agent's verdicts (issue 24): each answer carries an answerId, rate_answer
 * records a verdict on it, and a code model judged bad again and again stops getting code work;
 * `learning reset` forgets it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama, type FakeModel } from '../fake-ollama/server.js';
import { connect, run, tempHome } from '../helpers/spawn.js';

const coder = DEFAULT_MODELS.find((m) => m.name === 'qwen2.5-coder:7b')!;
/** A second code specialist, the same size: the table cannot tell them apart. */
const other: FakeModel = { ...coder, name: 'codellama:7b', family: 'llama', digest: 'e'.repeat(64) };
const PROMPT = 'Write a TypeScript function that parses an ISO date string and returns a Date, with a unit test.';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 32e9, models: [...DEFAULT_MODELS, other], tokenDelayMs: 1 });
});
afterAll(async () => {
  await fake?.stop();
});

type Routed = { model: string; reason: string; answerId?: string };

describe('routing that learns from verdicts', () => {
  it(
    'a code model judged bad on every answer stops getting code work; the reason cites the ' +
      'record; learning reset forgets it',
    { timeout: 60_000 },
    async () => {
      const home = tempHome();
      const s = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
      const route = async (): Promise<Routed> => {
        const r = await s.client.callTool({
          name: 'route_and_generate',
          arguments: { prompt: PROMPT, task: 'code', maxTokens: 16 },
        });
        expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
        return r.structuredContent as Routed;
      };
      try {
        const first = await route();
        expect([coder.name, other.name]).toContain(first.model);
        expect(first.answerId).toMatch(/^[0-9a-f-]{36}$/);
        const bad = first.model;
        const good = bad === coder.name ? other.name : coder.name;
        // every answer from `bad` is judged bad, every other one good
        let last = first;
        for (let i = 0; i < 8; i++) {
          const verdict = last.model === bad ? 'bad' : 'good';
          const rated = await s.client.callTool({
            name: 'rate_answer',
            arguments: { answerId: last.answerId, verdict },
          });
          expect(rated.isError).toBeFalsy();
          expect(rated.structuredContent).toMatchObject({ model: last.model, work: 'code', verdict, changed: true });
          last = await route();
        }
        // the record is now clear: the model judged bad is not chosen again
        const after = [last, await route(), await route()];
        expect(after.map((r) => r.model)).toEqual([good, good, good]);
        expect(after[2]!.reason).toMatch(/good on \d+ of \d+ code answers here/);

        // a dry run says who would answer, its record and the expected time, and generates nothing
        const generated = fake.generations().length;
        const dry = await s.client.callTool({
          name: 'route_and_generate',
          arguments: { prompt: PROMPT, task: 'code', maxTokens: 200, dryRun: true },
        });
        const advice = dry.structuredContent as Routed & {
          doneReason: string;
          advice: {
            expectedSeconds: number;
            boundSeconds?: number;
            loaded: boolean;
            record: { good: number; summary: string };
          };
        };
        expect(advice).toMatchObject({
          model: good,
          doneReason: 'dry-run',
          advice: { loaded: true, record: { summary: expect.stringMatching(/good on \d+ of \d+ code answers here/) } },
        });
        // as long as its code answers ran here (a few tokens), and apart, should it write all 200
        expect(advice.advice.boundSeconds).toBeGreaterThan(advice.advice.expectedSeconds);
        expect((dry.content as Array<{ text: string }>)[0]!.text).toMatch(
          /^Dry run: .* would take this code work — nothing was generated\.\nExpected: about [\d.]+ s \((measured|assumed) speeds\) for ~\d+ tokens of answer, as code answers ran here, up to 200 \(already loaded;/,
        );
        expect(fake.generations().length).toBe(generated);
        // list_models and show_status show the records
        const listed = (await s.client.callTool({ name: 'list_models', arguments: {} })).structuredContent as {
          models: Array<{ name: string; record?: Record<string, { bad: number; good: number }> }>;
        };
        expect(listed.models.find((m) => m.name === bad)!.record!.code).toMatchObject({
          good: 0,
          bad: expect.any(Number),
        });
        expect(listed.models.find((m) => m.name === bad)!.record!.code!.bad).toBeGreaterThan(0);
        const status = (await s.client.callTool({ name: 'show_status', arguments: {} })).structuredContent as {
          learning: { on: boolean; records: Array<{ model: string; work: string }> };
        };
        expect(status.learning.on).toBe(true);
        expect(
          status.learning.records
            .filter((r) => r.work === 'code')
            .map((r) => r.model)
            .sort(),
        ).toEqual([coder.name, other.name].sort());

        const again = await s.client.callTool({
          name: 'rate_answer',
          arguments: { answerId: first.answerId, verdict: 'bad' },
        });
        expect(again.structuredContent).toMatchObject({ changed: false });
        const unknown = await s.client.callTool({
          name: 'rate_answer',
          arguments: { answerId: 'no-such-answer', verdict: 'good' },
        });
        expect(unknown.isError).toBe(true);
        expect((unknown.content as Array<{ text: string }>)[0]!.text).toMatch(
          /No answer has the id "no-such-answer" — use the answerId of a route_and_generate result/,
        );
      } finally {
        await s.close();
      }
      const shown = await run(['learning', 'show'], { OLLM_HOME: home, OLLAMA_HOST: fake.host });
      expect(shown.stdout).toMatch(/, code: good on 0 of \d+ code answers? here/);
      expect((await run(['learning', 'reset'], { OLLM_HOME: home, OLLAMA_HOST: fake.host })).code).toBe(0);
      expect((await run(['learning', 'show'], { OLLM_HOME: home, OLLAMA_HOST: fake.host })).stdout).toMatch(
        /Nothing learned yet/,
      );
    },
  );
});
