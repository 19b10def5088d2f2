/**
 * A split job's combining rounds at the widest copy it uses (issue 82): its parts sized to a copy kept
 * at 4k (another agent uses it), a second copy loaded at 8k takes parts too — and the parts' answers,
 * more than one 4k combining prompt holds but not more than an 8k one, are combined in one round on
 * the 8k copy, not in two rounds of three requests; neither copy is reloaded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { combining, otherClient, stops, twoHosts, windowReq } from '../helpers/split-fleet.js';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { longLog } from '../helpers/fair.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('a split job over a copy kept at 4k and one loaded at 8k', () => {
  it('combines its answers in one round, on the 8k copy', async () => {
    const { core, a, b } = await twoHosts([4096, 8192]);
    // each part answers 300 tokens: 17 of them overflow a 4k combining prompt (~2.6k), not an 8k one (~6.1k)
    for (const f of [a, b])
      f.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : oneTokenWords(300, 'p')));
    await otherClient(a); // the first host's copy at its engine's 4096, another client's
    await otherClient(b); // the second's at 8192
    // another agent of this server asks on the first host's copy: kept at its window for him (no reload for ann)
    await routeAndGenerate(core, { prompt: 'Hi', model: 'llama3.1:8b', agent: 'bob', client: 'bob', useMemory: false });
    expect(a.generations()).toHaveLength(2);
    const planned = await planOffload(core, windowReq, [{ label: 'app.log', text: longLog(100_000) }]);
    if (planned.kind !== 'split') throw new Error(`expected a split plan, got ${planned.kind}`);
    const plan = planned.plan;
    expect([plan.host.name, plan.window, plan.combineWindow]).toEqual(['ollama', 4096, 8192]);
    expect(plan.parts.length).toBeGreaterThan(12);
    expect(plan.combineTokens).toBeGreaterThan(plan.parts.length * 300);
    expect(plan.partTokens).toBeLessThan(plan.parts.length * 300);
    const r = await runSplit(core, windowReq, plan);
    expect(r.text).toBe('FINAL');
    expect(r.split?.rounds).toBe(1);
    // one combining request, on the second host's copy at its window
    expect(a.generations().filter(combining)).toEqual([]);
    expect(
      b
        .generations()
        .filter(combining)
        .map((g) => g.numCtx),
    ).toEqual([8192]);
    expect([a.stats().reloads, b.stats().reloads]).toEqual([[], []]);
    expect(a.loaded().map((m) => m.contextLength)).toEqual([4096]);
  }, 60_000);
});
