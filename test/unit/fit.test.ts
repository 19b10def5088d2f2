import { describe, expect, it } from 'vitest';
import { assessFit, requiredBytes } from '../../src/orchestrator/planner.js';

const GB = 1e9;
const policy = { budgetBytes: 20 * GB, safetyMargin: 0.2, bufferBytes: 2 * GB, smallModelBytes: 5 * GB };

describe('fit arithmetic (seed 004)', () => {
  it('required = size × 1.2', () => {
    expect(requiredBytes(19 * GB, 0.2)).toBe(22.8 * GB);
    expect(requiredBytes(1.4 * GB, 0.2)).toBe(Math.ceil(1.68 * GB));
    expect(requiredBytes(5 * GB, 0.2, 1 * GB)).toBe(7 * GB);
  });

  it('scenario 1: a small model fits now with plenty free', () => {
    const r = assessFit({ modelBytes: 1.4 * GB, isLoaded: false, loadedBytes: 0, totalBytes: 32 * GB, availableBytes: 25.5 * GB, policy: { ...policy, budgetBytes: 28 * GB } });
    expect(r).toMatchObject({ fits: true, fitsNow: true });
  });

  it('scenario 3: fits the machine but not now — unloading is needed', () => {
    const r = assessFit({ modelBytes: 19 * GB, isLoaded: false, loadedBytes: 5.7 * GB, totalBytes: 32 * GB, availableBytes: 18 * GB, policy: { ...policy, budgetBytes: 28 * GB } });
    expect(r.requiredBytes).toBe(22.8 * GB);
    expect(r).toMatchObject({ fits: true, fitsNow: false });
  });

  it('a model bigger than the budget never fits', () => {
    const r = assessFit({ modelBytes: 26 * GB, isLoaded: false, loadedBytes: 0, totalBytes: 64 * GB, availableBytes: 60 * GB, policy });
    expect(r).toMatchObject({ fits: false, fitsNow: false });
  });

  it('the budget counts what is loaded even when RAM is free', () => {
    const r = assessFit({ modelBytes: 5 * GB, isLoaded: false, loadedBytes: 15 * GB, totalBytes: 64 * GB, availableBytes: 40 * GB, policy });
    expect(r).toMatchObject({ fits: true, fitsNow: false });
  });

  it('the OS buffer is kept free', () => {
    const r = assessFit({ modelBytes: 5 * GB, isLoaded: false, loadedBytes: 0, totalBytes: 64 * GB, availableBytes: 7.5 * GB, policy });
    expect(r.fitsNow).toBe(false); // 6 GB required > 7.5 − 2
  });

  it('a loaded model fits now by definition', () => {
    const r = assessFit({ modelBytes: 5 * GB, isLoaded: true, loadedBytes: 19 * GB, totalBytes: 32 * GB, availableBytes: 3 * GB, policy });
    expect(r.fitsNow).toBe(true);
  });
});
