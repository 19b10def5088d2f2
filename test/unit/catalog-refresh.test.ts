/**
 * A refresh of the catalog reaches its engine as a refresh (issue 61): an engine that keeps its own
 * reading — another ollm-mcp, whose list has a cache of its own — is told to read afresh, and a
 * reading already under way that was not asked to refresh is no answer to one that is.
 */
import { describe, expect, it } from 'vitest';
import type { CallOptions, Engine, EngineModel } from '../../src/orchestrator/engines/engine.js';
import { Catalog } from '../../src/orchestrator/models/catalog.js';

const MODEL: EngineModel = {
  name: 'm:latest',
  model: 'm:latest',
  modified_at: '2026-01-01T00:00:00Z',
  size: 1e9,
  digest: 'd'.repeat(64),
  details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '1B', quantization_level: 'Q4_K_M' },
  expires_at: '',
  size_vram: 0,
};

/** An engine whose list records the options of each call, answering when `release` is called. */
function engine() {
  const calls: CallOptions[] = [];
  const waiting: Array<() => void> = [];
  const backend = {
    host: 'h',
    list: (options: CallOptions = {}) => {
      calls.push(options);
      return new Promise<EngineModel[]>((resolve) => waiting.push(() => resolve([MODEL])));
    },
    show: () => Promise.reject(new Error('no card')),
  } as unknown as Engine;
  const release = () => waiting.splice(0).forEach((go) => go());
  return { backend, calls, release };
}

describe('catalog refresh', () => {
  it('serves its reading without asking the engine, and asks the engine to refresh when refreshed', async () => {
    const e = engine();
    const catalog = new Catalog(e.backend);
    const first = catalog.list();
    e.release();
    await first;
    await catalog.list();
    expect(e.calls).toHaveLength(1);
    expect(e.calls[0]!.refresh).toBeUndefined();
    const fresh = catalog.list({ refresh: true });
    e.release();
    await fresh;
    expect(e.calls).toHaveLength(2);
    expect(e.calls[1]!.refresh).toBe(true);
  });

  it('starts a refreshing read beside one under way that was not asked to refresh, and joins one that was', async () => {
    const e = engine();
    const catalog = new Catalog(e.backend);
    const plain = catalog.list();
    const fresh = catalog.list({ refresh: true });
    const again = catalog.list({ refresh: true });
    const joined = catalog.list();
    expect(e.calls.map((c) => c.refresh === true)).toEqual([false, true]);
    e.release();
    await Promise.all([plain, fresh, again, joined]);
  });
});
