/**
 * Combining a split job's answers (jobs/split-combine.ts combineAll): an answer left alone in its group, in a
 * round that combines others, goes on to the next round as it is — asking the model to "combine" one answer
 * only writes it again (a generation of the job's, and a part's answer rewritten) — and the rounds still end.
 */
import { describe, expect, it } from 'vitest';
import { combineAll } from '../../src/orchestrator/jobs/split-combine.js';
import type { JobParts } from '../../src/orchestrator/route/parts.js';
import type { RouteRequest, RouteResult } from '../../src/orchestrator/jobs/route.js';
import { combinePlan } from '../helpers/combine-plan.js';

/** A plan whose combining prompts hold about `partTokens`; answers of the model `answer` long. */
function setup(partTokens: number, answer: (prompt: string) => string) {
  const plan = combinePlan(5, {
    window: 100_000,
    combineWindow: 100_000,
    finalMaxTokens: 500,
    partTokens,
    combineTokens: partTokens,
  });
  const prompts: string[] = [];
  const g = {
    run: async (prompt: string): Promise<RouteResult> => {
      prompts.push(prompt);
      return { text: answer(prompt) } as RouteResult;
    },
    results: [] as RouteResult[],
    stageDone: () => undefined,
  };
  return { plan, g, prompts };
}

const req = { prompt: 'List the errors.' } as RouteRequest;
const job = {} as JobParts;
const answers = (n: number, words: number) =>
  Array.from({ length: n }, (_, i) => ({ label: `part ${i + 1}`, text: `answer-${i + 1} ${'w '.repeat(words)}` }));
/** How many answers a combining prompt holds (each is framed under its label). */
const held = (prompt: string) => (prompt.match(/^### /gm) ?? []).length;

describe('combineAll', () => {
  it('an answer alone in its group goes on as it is: no generation combines one answer with nothing', async () => {
    // five answers of ~100 tokens, prompts of ~250: groups of two, two and one
    const { plan, g, prompts } = setup(250, () => `combined ${'c '.repeat(190)}`);
    const out = await combineAll(job, req, plan, g as never, answers(5, 190));
    expect(prompts.map(held).filter((n) => n === 1)).toEqual([]);
    expect(prompts.some((p) => p.includes('answer-5'))).toBe(true); // the lone answer reached a combination whole
    expect(prompts.length).toBe(4); // 2 + 1 + the last (the lone ones carried on): 6 when each was combined alone
    expect(out.final.text).toMatch(/^combined/);
  });

  it('a round where every group holds one answer still combines them: the rounds end', async () => {
    // two answers each filling a prompt on its own: combined alone (shortened), then together
    const { plan, g, prompts } = setup(200, (p) => (held(p) === 1 ? 'short' : 'final'));
    const out = await combineAll(job, req, plan, g as never, answers(2, 300));
    expect(prompts.map(held)).toEqual([1, 1, 2]);
    expect(out.final.text).toBe('final');
    expect(out.rounds).toBe(2);
  });
});
