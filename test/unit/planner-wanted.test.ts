/**
 * A model that requests queued on the host are waiting for is the last the planner unloads
 * (PlanInput.wanted): unloading it makes the next load put it back at once.
 */
import { describe, expect, it } from 'vitest';
import { planLoad, type PlanInput } from '../../src/orchestrator/loading/planner.js';

const GB = 1e9;
const NOW = 1_800_000_000_000;

function input(
  loaded: Array<[string, number, number]>,
  model: { name: string; sizeBytes: number },
  wanted?: string[],
): PlanInput {
  const used = loaded.reduce((s, [, gb]) => s + gb * GB, 0);
  return {
    model,
    loaded: loaded.map(([name, gb]) => ({ name, sizeBytes: gb * GB, vramBytes: 0 })),
    pinned: new Set(),
    inFlight: new Set(),
    lastUsed: new Map(loaded.map(([name, , idleMin]) => [name, NOW - idleMin * 60_000])),
    memory: { kind: 'cpu', ram: { totalBytes: 24 * GB, availableBytes: 24 * GB - used } },
    maxLoadedModels: 99,
    policy: { budgetBytes: 24 * GB, safetyMargin: 0, bufferBytes: 0, smallModelBytes: 1 },
    now: NOW,
    ...(wanted && { wanted: new Set(wanted) }),
  };
}

describe('models queued requests wait for', () => {
  // x and y, 8 GB each (x used a minute ago, y ten), 8 GB free; n needs 12 GB: one of them goes
  const two: Array<[string, number, number]> = [
    ['x', 8, 1],
    ['y', 8, 10],
  ];
  const n = { name: 'n', sizeBytes: 12 * GB };

  it('the one nobody waits for is unloaded, though the other was used longer ago', () => {
    expect(planLoad(input(two, n)).unload).toEqual(['y']); // by itself: the one idle longer
    expect(planLoad(input(two, n, ['y'])).unload).toEqual(['x']);
  });

  it('two models nobody waits for go before one a request waits for', () => {
    // x 10 GB, y and z 5 GB, 4 GB free; n needs 13 GB: x alone, or y and z
    const three: Array<[string, number, number]> = [
      ['x', 10, 5],
      ['y', 5, 1],
      ['z', 5, 1],
    ];
    const big = { name: 'n', sizeBytes: 13 * GB };
    expect(planLoad(input(three, big)).unload).toEqual(['x']); // fewest models
    expect(planLoad(input(three, big, ['x'])).unload.sort()).toEqual(['y', 'z']);
  });

  it('when every choice holds a wanted model, the load is still made', () => {
    expect(planLoad(input(two, n, ['x', 'y']))).toMatchObject({ action: 'load', unload: ['y'] });
  });
});
