/**
 * Models made for a kind of work (issue 45, item 3): create_model's task, or a name mapped in
 * model.routing.madeFor, is what routing picks for that work when it fits — after the user's
 * override and preference, before the tables and learning — and the reason says so.
 */
import { describe, expect, it } from 'vitest';
import { selectModel } from '../../src/orchestrator/generation/router.js';
import { type RouteCandidate, type RoutingSettings } from '../../src/orchestrator/generation/routing-shapes.js';
import { routingFrom } from '../../src/orchestrator/generation/routing-from.js';
import { settingsSchema } from '../../src/orchestrator/config/index.js';

const GB = 1e9;
function model(name: string, over: Partial<RouteCandidate> = {}): RouteCandidate {
  return {
    name,
    sizeBytes: 4.7 * GB,
    family: 'llama',
    parameterSize: '8.0B',
    capabilities: ['completion'],
    profiles: ['general'],
    loaded: false,
    fits: true,
    fitsNow: true,
    requiredBytes: 5.6 * GB,
    contextWindow: 32768,
    ...over,
  };
}

const big = model('qwen2.5:14b', { parameterSize: '14.8B', sizeBytes: 9 * GB, profiles: ['general', 'reasoning'] });
const terse = model('terse:latest'); // made from llama3.1:8b: the database knows nothing of its name
const installed = [big, terse];
const base: RoutingSettings = { defaultProfile: 'general', overrides: {} };
const made = (over: Partial<RoutingSettings> = {}): RoutingSettings => ({
  ...base,
  madeFor: [{ model: 'terse', task: 'summarize' }],
  ...over,
});

describe('a model made for a kind of work', () => {
  it('comes first for that work, and the reason says it was made for it', () => {
    expect(selectModel({ task: 'summarize' }, installed, base)!.model).toBe('qwen2.5:14b');
    const s = selectModel({ task: 'summarize' }, installed, made())!;
    expect(s.model).toBe('terse:latest');
    expect(s.reason).toBe('terse:latest was made for summarize work.');
  });

  it('is not picked for other work', () => {
    expect(selectModel({ task: 'general' }, installed, made())!.model).toBe('qwen2.5:14b');
    expect(selectModel({ task: 'reasoning' }, installed, made())!.model).toBe('qwen2.5:14b');
  });

  it("comes after the user's override and preference", () => {
    expect(selectModel({ task: 'summarize' }, installed, made({ overrides: { general: 'qwen2.5:14b' } }))!.model).toBe(
      'qwen2.5:14b',
    );
    const s = selectModel({ task: 'summarize' }, installed, made({ preferred: { general: 'qwen2.5:14b' } }))!;
    expect(s.ranked.map((r) => r.model)).toEqual(['qwen2.5:14b', 'terse:latest']);
  });

  it('stays ahead of what learning would reorder', () => {
    const book = { byPlace: new Map(), totals: new Map() } as never;
    const s = selectModel({ task: 'summarize' }, installed, made({ learning: { book, rng: () => 0 } }))!;
    expect(s.model).toBe('terse:latest');
  });

  it('is passed over, saying why, when it cannot take the work', () => {
    const small = model('terse:latest', { contextWindow: 2048 });
    const s = selectModel({ task: 'summarize', contextTokens: 8000 }, [big, small], made())!;
    expect(s.model).toBe('qwen2.5:14b');
    const tooBig = model('terse:latest', { fits: false });
    const t = selectModel({ task: 'summarize' }, [big, tooBig], made())!;
    expect(t.model).toBe('qwen2.5:14b');
    expect(t.reason).toMatch(/the model made for summarize work, terse:latest, was passed over: it /);
  });

  it('one made on a host is picked there, not a model of that name on another host', () => {
    const there = model('terse:latest', { host: 'box' });
    const elsewhere = model('terse:latest', { host: 'laptop' });
    const s = selectModel(
      { task: 'summarize' },
      [big, elsewhere, there],
      made({ madeFor: [{ model: 'terse:latest', task: 'summarize', host: 'box' }] }),
    )!;
    expect(s.ranked[0]).toMatchObject({ model: 'terse:latest', host: 'box' });
    expect(s.ranked[0]!.why).toMatch(/was made for summarize/);
    const l = s.ranked.find((r) => r.host === 'laptop');
    expect(l?.why ?? '').not.toMatch(/made for/);
  });
});

describe('routingFrom', () => {
  const model = settingsSchema.parse({ model: { routing: { madeFor: { brief: 'summarize' } } } }).model;
  it("takes settings' madeFor, then create_model's records with their hosts", () => {
    const r = routingFrom(model, {}, { byPlace: new Map(), totals: new Map() } as never, [
      { model: 'terse:latest', host: 'box', task: 'debugging' },
    ]);
    expect(r.madeFor).toEqual([
      { model: 'brief', task: 'summarize' },
      { model: 'terse:latest', task: 'debugging', host: 'box' },
    ]);
  });
  it('with routing off, no made-for model is put first', () => {
    const off = settingsSchema.parse({ model: { routing: { enabled: false, madeFor: { brief: 'summarize' } } } }).model;
    expect(
      routingFrom(off, {}, { byPlace: new Map(), totals: new Map() } as never, [
        { model: 'terse', host: 'box', task: 'code' },
      ]).madeFor,
    ).toBeUndefined();
  });
  it('settings refuse a task that is not one', () => {
    expect(() => settingsSchema.parse({ model: { routing: { madeFor: { brief: 'poetry' } } } })).toThrow();
  });
});
