import { describe, expect, it } from 'vitest';
import { contextSteps, largestContext } from '../../src/orchestrator/loading/usable-window.js';
import { contextFor } from '../../src/orchestrator/loading/load-context.js';
import type { CatalogModel } from '../../src/orchestrator/models/catalog.js';

describe('the contexts a model can be loaded with', () => {
  it('are the trained window, then powers of two down to the base', () => {
    expect(contextSteps(131072, 4096)).toEqual([131072, 65536, 32768, 16384, 8192, 4096]);
    expect(contextSteps(40960, 4096)).toEqual([40960, 32768, 16384, 8192, 4096]);
    expect(contextSteps(2048, 4096)).toEqual([2048]);
    expect(contextSteps(6000, 4096)).toEqual([6000, 4096]);
  });

  it('are each what the loader itself would load for work of that size (no step is refused later for rounding up)', () => {
    for (const [trained, base] of [
      [131072, 4096],
      [40960, 2048],
      [6000, 4096],
      [2048, 4096],
    ] as const) {
      const model = { contextWindow: trained } as CatalogModel;
      for (const step of contextSteps(trained, base)) {
        // work needing just over half the step, and the whole step, loads with at most the step
        for (const need of [Math.floor(step / 2) + 1, step])
          expect(contextFor(model, undefined, need, base)).toBeLessThanOrEqual(step);
      }
    }
  });
});

describe('the largest context that fits', () => {
  it('is the largest step the memory check accepts', () => {
    expect(largestContext(131072, 4096, (c) => c <= 20000)).toBe(16384);
    expect(largestContext(131072, 4096, () => true)).toBe(131072);
  });
  it('is undefined when not even the base fits', () => {
    expect(largestContext(131072, 4096, (c) => c < 4096)).toBeUndefined();
  });
});
