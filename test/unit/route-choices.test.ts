/**
 * The user's own choice for a kind of work wins over the routing rule (issue 54, finding 6): a
 * model configured (overrides, model.default for work not named), preferred or made for the work
 * is given it even when the profile rule would not (a general model for code), and passed over,
 * saying why, only when it cannot do the work at all — no text, no vision for the images given,
 * cloud off, memory, window. Without a choice the rule holds as before.
 */
import { describe, expect, it } from 'vitest';
import {
  cannotDoBecause,
  canTake,
  notCandidateBecause,
  selectModel,
  unusableBecause,
} from '../../src/orchestrator/generation/router.js';
import { type RouteCandidate, type RoutingSettings } from '../../src/orchestrator/generation/routing-shapes.js';
import { choiceOf, choicesFor, whyNoCandidate } from '../../src/orchestrator/generation/route-choices.js';

const GB = 1e9;
function model(name: string, over: Partial<RouteCandidate> = {}): RouteCandidate {
  return {
    name,
    sizeBytes: 4.7 * GB,
    family: 'llama',
    parameterSize: '7B',
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

const qwen14 = model('qwen2.5:14b', {
  parameterSize: '14.8B',
  sizeBytes: 9 * GB,
  family: 'qwen2',
  profiles: ['general', 'reasoning'],
});
const coder = model('qwen2.5-coder:7b', { family: 'qwen2', profiles: ['code'] });
const llama3 = model('llama3.2:latest', { parameterSize: '3.2B', sizeBytes: 2 * GB, profiles: ['general', 'fast'] });
const llava = model('llava:7b', { capabilities: ['completion', 'vision'], profiles: ['vision'] });
const embed = model('nomic-embed-text:latest', { family: 'nomic-bert', capabilities: ['embedding'], profiles: [] });
const painter = model('x/flux2-klein:latest', { capabilities: ['image'], profiles: [] });
const installed = [qwen14, coder, llama3, llava, embed];
const base: RoutingSettings = { defaultProfile: 'general', overrides: {} };
const off = { allowCloud: false };

describe('what a chosen model is held to', () => {
  it('not the profile rule: a general model can do code work, a text-only one vision work without images', () => {
    expect(canTake(qwen14, 'code')).toBe(false); // the router's own rule, unchanged
    expect(unusableBecause(qwen14, 'code', {}, off)).toBeUndefined();
    expect(unusableBecause(llava, 'code', {}, off)).toBeUndefined();
    expect(unusableBecause(llama3, 'vision', {}, off)).toBeUndefined();
  });

  it('only what the model cannot do: write text, see the images given, run here, fit memory, hold the request', () => {
    expect(unusableBecause(embed, 'code', {}, off)).toBe(
      'does not suit code work — it serves embeddings only (it writes no text)',
    );
    expect(unusableBecause(painter, 'creative', {}, off)).toBe(
      'does not suit creative work — it serves image generation only (it writes no text)',
    );
    expect(unusableBecause(qwen14, 'vision', { images: true }, off)).toBe(
      'cannot see images (it serves general and reasoning work)',
    );
    expect(unusableBecause(llava, 'vision', { images: true }, off)).toBeUndefined();
    expect(unusableBecause({ ...qwen14, cloud: true }, 'code', {}, off)).toMatch(/cloud models are off/);
    expect(unusableBecause({ ...qwen14, cloud: true }, 'code', {}, { allowCloud: true })).toBeUndefined();
    expect(unusableBecause({ ...qwen14, fits: false, requiredBytes: 30e9 }, 'code', {}, off)).toBe(
      "does not fit in this host's memory (needs 30 GB)",
    );
    expect(unusableBecause({ ...qwen14, contextWindow: 4096 }, 'code', { contextTokens: 9000 }, off)).toMatch(
      /its context window \(4096 tokens\) is smaller than the prompt and answer \(~9000 tokens\)/,
    );
    expect(unusableBecause({ ...qwen14, contextWindow: 4096 }, 'code', { contextTokens: 4000 }, off)).toBeUndefined();
  });

  it('cannotDoBecause names the work only when given it', () => {
    expect(cannotDoBecause(embed, {})).toBe('serves embeddings only (it writes no text)');
    expect(cannotDoBecause(embed, {}, 'code')).toBe(
      'does not suit code work — it serves embeddings only (it writes no text)',
    );
    expect(cannotDoBecause(llama3, { images: true })).toBe('cannot see images (it serves general and fast work)');
    expect(cannotDoBecause(llama3, {})).toBeUndefined();
    expect(cannotDoBecause(llava, { images: true })).toBeUndefined();
  });
});

describe('the choices for a kind of work', () => {
  const all: RoutingSettings = {
    ...base,
    overrides: { code: 'llama3.2' },
    preferred: { code: 'qwen2.5:14b' },
    madeFor: [
      { model: 'terse', task: 'code', host: 'box' },
      { model: 'brief', task: 'summarize' },
    ],
    defaultModel: 'llava:7b',
  };

  it('are the override, the preference, then the models made for the task — in that order', () => {
    expect(choicesFor('code', { task: 'code' }, all)).toEqual([
      { model: 'llama3.2', whose: 'the model configured for code work', is: 'is the model configured for code work' },
      {
        model: 'qwen2.5:14b',
        whose: 'the model you preferred for code work',
        is: 'is the model you preferred for code work',
      },
      { model: 'terse', whose: 'the model made for code work', is: 'was made for code work', host: 'box' },
    ]);
    expect(choicesFor('general', { task: 'summarize' }, all).map((c) => c.model)).toEqual(['brief']);
    expect(choicesFor('creative', { task: 'creative' }, all)).toEqual([]);
  });

  it('model.default is the configured model only for work whose kind was not named', () => {
    expect(choicesFor('general', { task: 'general', named: false }, all).map((c) => c.model)).toEqual(['llava:7b']);
    expect(choicesFor('general', { task: 'general' }, all)).toEqual([]);
    // an override wins over it
    expect(choicesFor('code', { task: 'code', named: false }, all)[0]!.model).toBe('llama3.2');
  });

  it('choiceOf finds a model among them by name — on its host, for one made there', () => {
    expect(choiceOf(llama3, 'code', { task: 'code' }, all)?.whose).toBe('the model configured for code work');
    expect(choiceOf(coder, 'code', { task: 'code' }, all)).toBeUndefined();
    expect(choiceOf(llama3, 'general', { task: 'general' }, all)).toBeUndefined();
    expect(choiceOf(model('terse:latest', { host: 'box' }), 'code', { task: 'code' }, all)?.is).toBe(
      'was made for code work',
    );
    expect(choiceOf(model('terse:latest', { host: 'laptop' }), 'code', { task: 'code' }, all)).toBeUndefined();
  });

  it('whyNoCandidate holds a chosen model only to what it cannot do, any other to the rule', () => {
    const chosen = { ...base, overrides: { code: 'llama3.2', vision: 'qwen2.5:14b' } };
    expect(notCandidateBecause(llama3, 'code', {}, off)).toMatch(/code goes only to code models/);
    expect(whyNoCandidate(llama3, 'code', { task: 'code' }, { ...chosen, ...off })).toBeUndefined();
    expect(whyNoCandidate(qwen14, 'code', { task: 'code' }, { ...chosen, ...off })).toMatch(
      /code goes only to code models/,
    );
    expect(whyNoCandidate(qwen14, 'vision', { images: true }, { ...chosen, ...off })).toBe(
      'cannot see images (it serves general and reasoning work)',
    );
    expect(
      whyNoCandidate({ ...llama3, fits: false, requiredBytes: 20e9 }, 'code', { task: 'code' }, { ...chosen, ...off }),
    ).toMatch(/does not fit/);
  });
});

describe('selectModel with a general model chosen for code', () => {
  const code = { task: 'code' } as const;

  it('without a choice code goes only to code models, as before', () => {
    const s = selectModel(code, installed, base)!;
    expect(s.ranked.map((r) => r.model)).toEqual(['qwen2.5-coder:7b']);
    expect(s.skipped).toBeUndefined();
    expect(selectModel(code, [qwen14, llama3], base)).toBeUndefined();
  });

  it('configured for code (model.routing.overrides), it comes first, the code model after it', () => {
    const s = selectModel(code, installed, { ...base, overrides: { code: 'qwen2.5:14b' } })!;
    expect(s.ranked.map((r) => r.model)).toEqual(['qwen2.5:14b', 'qwen2.5-coder:7b']);
    expect(s.reason).toBe('qwen2.5:14b is the model configured for code work.');
    expect(s.skipped).toBeUndefined();
  });

  it('preferred for code (prefer_model), it comes first', () => {
    const s = selectModel(code, installed, { ...base, preferred: { code: 'qwen2.5:14b' } })!;
    expect(s.model).toBe('qwen2.5:14b');
    expect(s.reason).toBe('qwen2.5:14b is the model you preferred for code work.');
  });

  it('made for code (create_model task, model.routing.madeFor), it comes first — and only for that task', () => {
    const made = { ...base, madeFor: [{ model: 'qwen2.5:14b', task: 'code' as const }] };
    const s = selectModel(code, installed, made)!;
    expect(s.model).toBe('qwen2.5:14b');
    expect(s.reason).toBe('qwen2.5:14b was made for code work.');
    expect(selectModel({ task: 'debugging' }, installed, made)!.model).toBe('qwen2.5-coder:7b');
  });

  it(
    'model.default takes work inferred as code when the kind was not named; named code work ' +
      'stays with the code model',
    () => {
      const d = { ...base, defaultModel: 'qwen2.5:14b' };
      expect(selectModel({ task: 'code', named: false }, installed, d)!.model).toBe('qwen2.5:14b');
      expect(selectModel({ task: 'code', named: true }, installed, d)!.model).toBe('qwen2.5-coder:7b');
    },
  );

  it('stays first whatever learning would reorder', () => {
    const book = { byPlace: new Map(), totals: new Map() } as never;
    const s = selectModel(code, installed, {
      ...base,
      overrides: { code: 'qwen2.5:14b' },
      learning: { book, rng: () => 0 },
    })!;
    expect(s.model).toBe('qwen2.5:14b');
  });

  it('is the only candidate when no code model is installed', () => {
    const s = selectModel(code, [qwen14, llama3, embed], { ...base, preferred: { code: 'llama3.2' } })!;
    expect(s.ranked.map((r) => r.model)).toEqual(['llama3.2:latest']);
  });
});

describe('selectModel with a chosen model that cannot do the work', () => {
  it('an embedding model chosen for code is passed over: it writes no text', () => {
    const s = selectModel({ task: 'code' }, installed, { ...base, overrides: { code: 'nomic-embed-text' } })!;
    expect(s.model).toBe('qwen2.5-coder:7b');
    expect(s.reason).toBe(
      'qwen2.5-coder:7b serves code work and fits now; the model configured for code work, ' +
        'nomic-embed-text:latest, was passed over: it does not suit code work — it serves ' +
        'embeddings only (it writes no text).',
    );
  });

  it('a text-only model chosen for vision is passed over when images are given', () => {
    const s = selectModel({ images: true }, installed, { ...base, preferred: { vision: 'qwen2.5:14b' } })!;
    expect(s.model).toBe('llava:7b');
    expect(s.skipped).toEqual([
      {
        model: 'qwen2.5:14b',
        why:
          'the model you preferred for vision work, qwen2.5:14b, was passed over: it cannot see ' +
          'images (it serves general and reasoning work)',
      },
    ]);
  });

  it('one that does not fit, or runs on ollama.com while cloud models are off, is passed over', () => {
    const made = { ...base, madeFor: [{ model: 'qwen2.5:14b', task: 'code' as const }] };
    const big = selectModel({ task: 'code' }, [{ ...qwen14, fits: false, requiredBytes: 30e9 }, coder], made)!;
    expect(big.model).toBe('qwen2.5-coder:7b');
    expect(big.reason).toMatch(
      /the model made for code work, qwen2\.5:14b, was passed over: it does not fit in this host's memory \(needs 30 GB\)/,
    );
    const cloud = selectModel({ task: 'code' }, [{ ...qwen14, cloud: true }, coder], made)!;
    expect(cloud.model).toBe('qwen2.5-coder:7b');
    expect(cloud.reason).toMatch(/qwen2\.5:14b, was passed over: it runs on ollama\.com, and cloud models are off/);
    expect(
      selectModel({ task: 'code' }, [{ ...qwen14, cloud: true }, coder], { ...made, allowCloud: true })!.model,
    ).toBe('qwen2.5:14b');
  });
});

describe("the ranking marks the user's choice (issue 73: it is served as chosen, never traded for time)", () => {
  it(
    'configured, preferred and made-for models are marked chosen, whatever learning does; the ' +
      "route's own candidates are not",
    () => {
      const book = {
        [`${llama3.name}||general`]: {
          good: 30,
          bad: 0,
          failures: 0,
          timeouts: 0,
          cut: 0,
          wins: 0,
          losses: 0,
          speedSamples: 0,
          tokensPerSecond: 0,
        },
      };
      const settings: RoutingSettings = {
        ...base,
        preferred: { general: qwen14.name },
        learning: { book, rng: () => 0.5 },
      };
      const s = selectModel({ task: 'general', complexity: 'low' }, [qwen14, { ...llama3, loaded: true }], settings)!;
      expect(s.ranked.map((r) => [r.model, r.chosen === true])).toEqual([
        [qwen14.name, true],
        [llama3.name, false],
      ]);
      const configured = selectModel({ task: 'code' }, installed, { ...base, overrides: { code: qwen14.name } })!;
      expect(configured.ranked[0]).toMatchObject({ model: qwen14.name, chosen: true });
      expect(configured.ranked.slice(1).some((r) => r.chosen)).toBe(false);
      expect(selectModel({ task: 'general' }, installed, base)!.ranked.some((r) => r.chosen)).toBe(false);
    },
  );
});
