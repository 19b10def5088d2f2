/** A split plan as combineAll (jobs/split-combine.ts) reads it, for its unit tests: counted at 4 characters a token. */
import type { SplitPlan } from '../../src/orchestrator/route/offload-types.js';

export const combineCount = Object.assign((t: string) => Math.ceil(t.length / 4), { source: 'the estimate' });

/** `parts` parts, answers of 50 tokens a part, nothing carried; the windows and rooms from `over`. */
export function combinePlan(parts: number, over: Partial<SplitPlan>): SplitPlan {
  return {
    count: combineCount,
    width: 2,
    parts: Array.from({ length: parts }),
    carry: { memory: false },
    memoryTokens: 0,
    overheadTokens: 0,
    partAnswerTokens: 50,
    ...over,
  } as unknown as SplitPlan;
}
