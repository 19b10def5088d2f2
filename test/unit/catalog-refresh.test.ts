/**
 * A refresh of the catalog reaches its engine as a refresh (issue 61): an engine that keeps its own
 * reading — another ollm-mcp, whose list has a cache of its own — is told to read afresh, and a
 * reading already under way that was not asked to refresh is no answer to one that is.
 */
import { describe, expect, it } from 'vitest';
import type { CallOptions, Engine } from '../../src/orchestrator/engines/engine.js';
import type { EngineModel } from '../../src/orchestrator/engines/engine-model.js';
import { OllmEngine } from '../../src/orchestrator/engines/ollm/ollm-engine.js';
import { Catalog } from '../../src/orchestrator/models/catalog.js';
import { listedModel, loadedModel } from '../helpers/box-list.js';

const MODEL: EngineModel = {
  name: 'm:latest',
  model: 'm:latest',
  modified_at: '2026-01-01T00:00:00Z',
  size: 1e9,
  digest: 'd'.repeat(64),
  details: {
    parent_model: '',
    format: 'gguf',
    family: 'llama',
    families: ['llama'],
    parameter_size: '1B',
    quantization_level: 'Q4_K_M',
  },
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

describe('another ollm-mcp asked to refresh', () => {
  /** An OllmEngine whose box answers list_models from here, recording each call's arguments. */
  function box() {
    const engine = new OllmEngine({ name: 'gpubox', url: 'http://127.0.0.1:9/mcp', timeoutMs: 1000, parallel: 1 });
    const args: Array<Record<string, unknown>> = [];
    const [listed, loaded] = [listedModel('m:latest'), loadedModel('m:latest')];
    (engine.box as { callTool: unknown }).callTool = async (_name: string, a: Record<string, unknown>) => {
      args.push(a);
      await new Promise((r) => setTimeout(r, 1));
      return { content: [], structuredContent: { models: [listed], loaded: [loaded] } };
    };
    return { engine, args };
  }

  it(
    'asks the box to refresh once for a list and its loaded models read at once, again for a ' +
      'later refresh, and reuses its reading otherwise',
    async () => {
      const { engine, args } = box();
      await engine.list();
      expect(args).toEqual([{}]);
      await engine.list();
      expect(args).toHaveLength(1); // read again at most once a second
      const [models, running] = await Promise.all([engine.list({ refresh: true }), engine.ps({ refresh: true })]);
      expect(models.map((m) => m.name)).toEqual(['m:latest']);
      expect(running.map((m) => m.name)).toEqual(['m:latest']);
      expect(args).toEqual([{}, { refresh: true }]);
      await engine.list({ refresh: true });
      expect(args).toEqual([{}, { refresh: true }, { refresh: true }]);
      await engine.list();
      expect(args).toHaveLength(3);
    },
  );
});
