// Issue 82, Deliver 1: a routed job's parts on every copy of its model that can take them. With one host's
// copy kept at its engine's 4096 by another client (a part at 8k would reload it from under that client), the
// planner's choice — the model at its 8k window on the other host — runs its parts on one copy's two slots; split
// to 4k, they run on both copies' four. Where reading a prompt takes much of a part's time, that is well sooner
// and the plan goes there, saying so; where writing the answer takes nearly all of it, twice the parts on twice
// the slots gain nothing, and the plan stays at 8k. A model the caller named is served as the route serves it.
import { afterEach, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { annAsk, otherClient, stops, twoHosts } from '../helpers/split-fleet.js';
import { longLog } from '../helpers/fair.js';

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const MODEL = 'llama3.1:8b';
const ask = annAsk;

/** Two hosts of llama3.1:8b, loaded by other clients at their engines' defaults, 8192 and 4096; speeds measured. */
async function fleet(promptTokensPerSecond: number) {
  const { core, a, b } = await twoHosts([8192, 4096]);
  await otherClient(a);
  await otherClient(b);
  expect(a.loaded().map((m) => m.contextLength)).toEqual([8192]);
  expect(b.loaded().map((m) => m.contextLength)).toEqual([4096]);
  const sample = {
    promptTokens: 4000,
    promptMs: (4000 / promptTokensPerSecond) * 1000,
    outputTokens: 200,
    generationMs: 4000, // 50 tokens/s
    cut: false,
  };
  for (const h of core.hosts) await core.speeds.record(h.name, MODEL, sample, { defer: false });
  return { core, a, b };
}

async function planned(core: Awaited<ReturnType<typeof fleet>>['core'], extra: { model?: string } = {}) {
  const p = await planOffload(core, { ...ask, ...extra }, [{ label: 'logs/app.log', text: longLog(120_000) }]);
  if (p.kind !== 'split') throw new Error(`expected a split plan, got ${p.kind}`);
  return p.plan;
}

describe("a routed job's parts on every copy of its model", () => {
  it('splits to the copy kept at 4k when reading prompts makes that well sooner on both copies, saying so', async () => {
    const { core } = await fleet(400);
    const plan = await planned(core);
    expect(plan.model).toBe(MODEL);
    expect(plan.window).toBe(4096);
    expect(plan.copies.map((c) => c.host).sort()).toEqual(['ollama', 'second']);
    expect(plan.width).toBe(4);
    expect(plan.why).toMatch(/its parts sized to 4096 tokens run on more of its copies than at 8192 \(~\d+ s\)/);
  }, 60_000);

  it('stays at 8k on one copy when writing the answers takes nearly all of a part: no gain', async () => {
    const { core } = await fleet(20_000);
    const plan = await planned(core);
    expect(plan.window).toBe(8192);
    expect(plan.copies.map((c) => c.host)).toEqual(['ollama']);
    expect(plan.why ?? '').not.toMatch(/more of its copies/);
  }, 60_000);

  it('serves a model the caller named as the route does: at its window on its host', async () => {
    const { core } = await fleet(400);
    const plan = await planned(core, { model: MODEL });
    expect(plan.window).toBe(8192);
    expect(plan.why ?? '').not.toMatch(/more of its copies/);
  }, 60_000);
});
