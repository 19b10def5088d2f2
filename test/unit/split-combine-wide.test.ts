/**
 * Combining at the widest copy's window (jobs/split-combine.ts, route/combine-window.ts): groups as large as
 * that window holds, a combination sized past the parts' room marked for a copy that wide (`wide`) and its
 * answer's room counted there; one within the parts' room goes anywhere, its room counted at the parts' window.
 */
import { describe, expect, it } from 'vitest';
import { combineAll } from '../../src/orchestrator/jobs/split-combine.js';
import type { JobParts } from '../../src/orchestrator/route/parts.js';
import type { RouteRequest, RouteResult } from '../../src/orchestrator/jobs/route.js';
import { combineCount, combinePlan } from '../helpers/combine-plan.js';
import { EXACT_FILL, FRAMING_TOKENS } from '../../src/orchestrator/generation/split-plan.js';

const count = combineCount;
const plan = combinePlan(12, {
  window: 4000,
  partTokens: 1000,
  combineWindow: 8000,
  combineTokens: 5000,
  finalMaxTokens: 10_000,
});
const answers = (n: number, words: number) =>
  Array.from({ length: n }, (_, i) => ({ label: `part ${i + 1}`, text: `answer-${i + 1} ${'w '.repeat(words)}` }));

function run() {
  const asked: Array<{ prompt: string; wide?: number; maxTokens: number }> = [];
  const g = {
    run: async (prompt: string, _label: string, stage: { wide?: number }, maxTokens: number): Promise<RouteResult> => {
      asked.push({ prompt, ...(stage.wide !== undefined && { wide: stage.wide }), maxTokens });
      return { text: 'final' } as RouteResult;
    },
    results: [] as RouteResult[],
    stageDone: () => undefined,
  };
  return { g, asked };
}
const req = { prompt: 'List the errors.' } as RouteRequest;
const roomAt = (window: number, prompt: string) => Math.floor(window * EXACT_FILL) - FRAMING_TOKENS - count(prompt);

describe('combineAll at the widest copy', () => {
  it("combines past the parts' room in one round, on a copy that wide, its answer's room counted there", async () => {
    const { g, asked } = run();
    // twelve answers of ~200 tokens: 2,400 tokens, more than the parts' room (1,000), less than the wide one's
    const out = await combineAll({} as JobParts, req, plan, g as never, answers(12, 400));
    expect(out.rounds).toBe(1);
    expect(asked.map((a) => a.wide)).toEqual([8000]);
    expect(asked[0]!.maxTokens).toBe(roomAt(8000, asked[0]!.prompt));
  });

  it("sends a combination within the parts' room anywhere, its answer's room counted at the parts' window", async () => {
    const { g, asked } = run();
    const out = await combineAll({} as JobParts, req, plan, g as never, answers(3, 100));
    expect(out.rounds).toBe(1);
    expect(asked.map((a) => a.wide)).toEqual([undefined]);
    expect(asked[0]!.maxTokens).toBe(roomAt(4000, asked[0]!.prompt));
  });
});
