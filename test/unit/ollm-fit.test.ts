// A team's GPU box's models listed with their fit as the box sees it: the fit figures of the box's
// list_models (fits now, after unloads or not at all, the memory needed) checked where they enter
// (ollm-answers.ts: garbage left out, never refused), carried by the catalog (read again after a
// second, as the fit changes with every load there), and shown by list_models for those models.
// And a box's answer by another model than the one named is never taken for the named one's.
import { describe, expect, it, vi } from 'vitest';
import { boxModels, fitOf } from '../../src/orchestrator/engines/ollm/ollm-answers.js';
import { boxGenerate } from '../../src/orchestrator/engines/ollm/ollm-generate.js';
import type { BoxConnection } from '../../src/orchestrator/engines/ollm/ollm-client.js';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import type { EngineModel } from '../../src/orchestrator/engines/engine-model.js';
import type { GenerateRequest } from '../../src/orchestrator/engines/engine-requests.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { Catalog, FIT_TTL_MS } from '../../src/orchestrator/models/catalog.js';
import { ENGINE_FIGURE, reportedFit } from '../../src/orchestrator/models/overview-model.js';
import { selfManagedState } from '../../src/tools/list-models.js';

const BOX = { who: 'ollm-mcp gpubox (http://gpubox:3333/mcp)', host: 'gpubox:3333' };

const model = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  sizeBytes: 4_920_000_000,
  family: 'qwen3',
  parameterSize: '8.2B',
  quantization: 'Q4_K_M',
  contextWindow: 40_960,
  capabilities: ['completion'],
  profiles: ['general'],
  loaded: false,
  ...extra,
});
const list = (...models: unknown[]) => ({ host: 'x', models, loaded: [], ram: {} });
const fitsOf = (structured: unknown) =>
  Object.fromEntries(boxModels(structured, BOX).installed.map((m) => [m.name, m.fit]));

describe("the box's fit figures, where they enter", () => {
  it('maps fits now, after unloads and not at all, with the memory each needs', () => {
    const fits = fitsOf(
      list(
        model('now', { fits: true, fitsNow: true, requiredBytes: 6_000_000_000 }),
        model('after', { fits: true, fitsNow: false, requiredBytes: 9_000_000_000 }),
        model('never', { fits: false, fitsNow: false, requiredBytes: 32_000_000_000 }),
      ),
    );
    expect(fits).toEqual({
      now: { fitsNow: true, fitsAfterUnload: true, needBytes: 6_000_000_000 },
      after: { fitsNow: false, fitsAfterUnload: true, needBytes: 9_000_000_000 },
      never: { fitsNow: false, fitsAfterUnload: false, needBytes: 32_000_000_000 },
    });
  });

  it.each([
    ['fitsNow a string', { fits: true, fitsNow: 'yes', requiredBytes: 1 }],
    ['fitsNow a number', { fits: true, fitsNow: 1 }],
    ['fitsNow missing', { fits: true, requiredBytes: 5 }],
    ['fits now but not at all (contradiction)', { fits: false, fitsNow: true, requiredBytes: 5 }],
    ['a model its engine loads by itself', { fits: true, fitsNow: true, requiredBytes: 0, selfManaged: true }],
    ['selfManaged garbage with fitsNow garbage', { fitsNow: null, selfManaged: 'x' }],
  ])('leaves out %s — the model still listed, nothing thrown', (_what, extra) => {
    const { installed } = boxModels(list(model('a', extra)), BOX);
    expect(installed.map((m) => m.name)).toEqual(['a']);
    expect(installed[0]!.fit).toBeUndefined();
  });

  it.each([
    ['negative', -5],
    ['past any memory', 1e300],
    ['fractional', 1.5],
    ['a string', '6 GB'],
  ])('keeps the fit but not a memory figure that is %s', (_what, requiredBytes) => {
    expect(fitsOf(list(model('a', { fits: true, fitsNow: false, requiredBytes })))).toEqual({
      a: { fitsNow: false, fitsAfterUnload: true },
    });
  });

  it('a garbage fits is left out, fitsNow kept', () => {
    expect(fitOf({ fitsNow: false, fits: undefined, requiredBytes: 3 })).toEqual({ fitsNow: false, needBytes: 3 });
    expect(fitsOf(list(model('a', { fits: 'maybe', fitsNow: false })))).toEqual({ a: { fitsNow: false } });
  });
});

describe('the fit shown for a model its host plans itself', () => {
  it('is the engine figure: fits now, after unloads, not at all; none said is on demand', () => {
    expect(reportedFit({ fit: { fitsNow: true, fitsAfterUnload: true, needBytes: 6e9 } })).toEqual({
      requiredBytes: 6e9,
      fits: true,
      fitsNow: true,
    });
    expect(reportedFit({ fit: { fitsNow: false, fitsAfterUnload: true, needBytes: 9e9 } })).toEqual({
      requiredBytes: 9e9,
      fits: true,
      fitsNow: false,
    });
    expect(reportedFit({ fit: { fitsNow: false, fitsAfterUnload: false, needBytes: 3.2e10 } })).toEqual({
      requiredBytes: 3.2e10,
      fits: false,
      fitsNow: false,
    });
    expect(reportedFit({ fit: { fitsNow: false } })).toEqual({ requiredBytes: 0, fits: true, fitsNow: false });
    expect(reportedFit({})).toEqual({ requiredBytes: 0, fits: true, fitsNow: true });
    expect(reportedFit({ cloud: true, fit: { fitsNow: false, fitsAfterUnload: false } })).toEqual({
      requiredBytes: 0,
      fits: true,
      fitsNow: true,
    });
  });

  it("reads in list_models' words, the host's figure named", () => {
    const m = { loaded: false, requiredBytes: 6e9, memoryFigure: ENGINE_FIGURE };
    expect(selfManagedState({ ...m, fits: true, fitsNow: true })).toBe(
      `fits there now, needs 6.0 GB (${ENGINE_FIGURE})`,
    );
    expect(selfManagedState({ ...m, fits: true, fitsNow: false })).toMatch(
      /^fits there after unloading others, needs 6\.0 GB/,
    );
    expect(selfManagedState({ ...m, fits: false, fitsNow: false })).toMatch(/^too big for that host, needs 6\.0 GB/);
    expect(selfManagedState({ ...m, loaded: true, fits: true, fitsNow: true })).toMatch(/^loaded there/);
    expect(selfManagedState({ loaded: false, fits: true, fitsNow: true, requiredBytes: 0 })).toBe(
      'its engine loads it on demand (no memory planned here)',
    );
  });
});

describe('the catalog of a host that says its fit', () => {
  const entry = (name: string, fit?: EngineModel['fit']): EngineModel => ({
    name,
    model: name,
    modified_at: new Date(0),
    size: 1,
    digest: `d:${name}`,
    details: {
      parent_model: '',
      format: 'gguf',
      family: 'x',
      families: [],
      parameter_size: '1B',
      quantization_level: 'Q4',
    },
    expires_at: new Date(0),
    size_vram: 0,
    ...(fit && { fit }),
  });
  const engine = (models: () => EngineModel[]) => {
    const calls = { list: 0 };
    const e = {
      host: 'gpubox:3333',
      list: async () => (calls.list++, models()),
      show: async () => ({}),
    } as unknown as Engine; // a stub: the catalog asks list and show only
    return { e, calls };
  };

  it(
    'carries each fit, and reads the list again after a second (the fit changes with every load ' +
      'there); a list without fits is kept 30 s',
    async () => {
      let fitsNow = true;
      const withFit = engine(() => [entry('a', { fitsNow })]);
      const without = engine(() => [entry('b')]);
      const now = vi.spyOn(Date, 'now');
      try {
        now.mockReturnValue(1_000_000);
        const c = new Catalog(withFit.e);
        const d = new Catalog(without.e);
        expect((await c.list()).models[0]!.fit).toEqual({ fitsNow: true });
        await d.list();
        fitsNow = false;
        now.mockReturnValue(1_000_000 + FIT_TTL_MS - 1);
        expect((await c.list()).models[0]!.fit).toEqual({ fitsNow: true });
        now.mockReturnValue(1_000_000 + FIT_TTL_MS + 1);
        expect((await c.list()).models[0]!.fit).toEqual({ fitsNow: false });
        await d.list();
        expect([withFit.calls.list, without.calls.list]).toEqual([2, 1]);
      } finally {
        now.mockRestore();
      }
    },
  );
});

describe("a box's answer by another model than the one named", () => {
  const box = (structured: unknown) =>
    // a stub: boxGenerate calls callTool only
    ({ callTool: async () => ({ content: [], structuredContent: structured }) }) as unknown as BoxConnection;
  const req = (onDelta: GenerateRequest['onDelta'] = () => undefined): GenerateRequest => ({
    model: 'phi3:mini',
    prompt: 'hi',
    keepAlive: '5m',
    numCtx: 2048,
    maxTokens: 16,
    onDelta,
  });
  const answered = (model: string, fallbacks?: unknown) => ({
    model,
    text: 'Hello.',
    doneReason: 'stop',
    ...(fallbacks !== undefined && { fallbacks }),
  });

  it.each([
    [
      'not installed there: model_not_found',
      [{ model: 'phi3:mini', error: 'not installed — pull it with `ollama pull phi3:mini`' }],
      'model_not_found',
    ],
    [
      'failed there: server_error',
      [{ model: 'phi3:mini', error: 'model runner has unexpectedly stopped' }],
      'server_error',
    ],
    ['no reason given', undefined, 'server_error'],
    ['fallbacks that are garbage', 'nonsense', 'server_error'],
  ])('is refused, never told as the named model answer — %s', async (_what, fallbacks, kind) => {
    const told: unknown[] = [];
    const err = await boxGenerate(
      box(answered('llama3.2:latest', fallbacks)),
      BOX,
      req((d) => void told.push(d)),
      {},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).kind).toBe(kind);
    expect((err as HostError).message).toContain('phi3:mini');
    expect((err as HostError).message).toContain('llama3.2:latest');
    expect(told).toEqual([]);
  });

  it("the named model's answer is told once, a 'stop' on it ending with 'length'", async () => {
    const told: unknown[] = [];
    await expect(
      boxGenerate(
        box(answered('phi3:mini')),
        BOX,
        req((d) => void told.push(d)),
        {},
      ),
    ).resolves.toMatchObject({ doneReason: 'stop' });
    expect(told).toEqual([{ text: 'Hello.' }]);
    await expect(
      boxGenerate(
        box(answered('phi3:mini')),
        BOX,
        req(() => 'stop'),
        {},
      ),
    ).resolves.toMatchObject({ doneReason: 'length' });
  });
});
