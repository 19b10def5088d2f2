import { describe, expect, it } from 'vitest';
import { assessFit, requiredBytes } from '../../src/orchestrator/loading/planner.js';

const GB = 1e9;
const policy = { budgetBytes: 20 * GB, safetyMargin: 0.2, bufferBytes: 2 * GB, smallModelBytes: 5 * GB };

describe('fit arithmetic (seed 004)', () => {
  it('required = size × 1.2', () => {
    expect(requiredBytes(19 * GB, 0.2)).toBe(22.8 * GB);
    expect(requiredBytes(1.4 * GB, 0.2)).toBe(Math.ceil(1.68 * GB));
    expect(requiredBytes(5 * GB, 0.2, 1 * GB)).toBe(7 * GB);
  });

  it('scenario 1: a small model fits now with plenty free', () => {
    const r = assessFit({
      modelBytes: 1.4 * GB,
      isLoaded: false,
      loadedBytes: 0,
      memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 25.5 * GB } },
      policy: { ...policy, budgetBytes: 28 * GB },
    });
    expect(r).toMatchObject({ fits: true, fitsNow: true });
  });

  it('scenario 3: fits the machine but not now — unloading is needed', () => {
    const r = assessFit({
      modelBytes: 19 * GB,
      isLoaded: false,
      loadedBytes: 5.7 * GB,
      memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 18 * GB } },
      policy: { ...policy, budgetBytes: 28 * GB },
    });
    expect(r.requiredBytes).toBe(22.8 * GB);
    expect(r).toMatchObject({ fits: true, fitsNow: false });
  });

  it('a model bigger than the budget never fits', () => {
    const r = assessFit({
      modelBytes: 26 * GB,
      isLoaded: false,
      loadedBytes: 0,
      memory: { kind: 'cpu', ram: { totalBytes: 64 * GB, availableBytes: 60 * GB } },
      policy,
    });
    expect(r).toMatchObject({ fits: false, fitsNow: false });
  });

  it('the budget counts what is loaded even when RAM is free', () => {
    const r = assessFit({
      modelBytes: 5 * GB,
      isLoaded: false,
      loadedBytes: 15 * GB,
      memory: { kind: 'cpu', ram: { totalBytes: 64 * GB, availableBytes: 40 * GB } },
      policy,
    });
    expect(r).toMatchObject({ fits: true, fitsNow: false });
  });

  it('the OS buffer is kept free', () => {
    const r = assessFit({
      modelBytes: 5 * GB,
      isLoaded: false,
      loadedBytes: 0,
      memory: { kind: 'cpu', ram: { totalBytes: 64 * GB, availableBytes: 7.5 * GB } },
      policy,
    });
    expect(r.fitsNow).toBe(false); // 6 GB required > 7.5 − 2
  });

  it('a loaded model fits now by definition', () => {
    const r = assessFit({
      modelBytes: 5 * GB,
      isLoaded: true,
      loadedBytes: 19 * GB,
      memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 3 * GB } },
      policy,
    });
    expect(r.fitsNow).toBe(true);
  });

  it(
    'on a GPU host, fit is by VRAM: a 14 GB model fits a 24 GB GPU on a 16 GB RAM machine; ' +
      'beside others, by 80% of free VRAM',
    () => {
      const memory = {
        kind: 'gpu' as const,
        ram: { totalBytes: 16 * GB, availableBytes: 12 * GB },
        vram: { totalBytes: 24 * GB, freeBytes: 24 * GB },
      };
      expect(assessFit({ modelBytes: 14 * GB, isLoaded: false, loadedBytes: 0, memory, policy })).toMatchObject({
        fits: true,
        fitsNow: true,
      });
      const busy = { ...memory, vram: { totalBytes: 24 * GB, freeBytes: 10 * GB } };
      expect(
        assessFit({ modelBytes: 14 * GB, isLoaded: false, loadedBytes: 14 * GB, memory: busy, policy }),
      ).toMatchObject({ fits: true, fitsNow: false });
      // 40 GB: 18.4 GB would spill to RAM (× 1.2 > 16 − 2): never fits
      expect(assessFit({ modelBytes: 40 * GB, isLoaded: false, loadedBytes: 0, memory, policy }).fits).toBe(false);
    },
  );

  it('on a host of unknown capacity everything fits, until a total has failed', () => {
    expect(
      assessFit({ modelBytes: 40 * GB, isLoaded: false, loadedBytes: 0, memory: { kind: 'unknown' }, policy }),
    ).toMatchObject({ fits: true, fitsNow: true });
    expect(
      assessFit({
        modelBytes: 5 * GB,
        isLoaded: false,
        loadedBytes: 6 * GB,
        memory: { kind: 'unknown', ceilingBytes: 12 * GB },
        policy,
      }),
    ).toMatchObject({ fits: true, fitsNow: false });
  });
});
