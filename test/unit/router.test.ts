import { describe, expect, it } from 'vitest';
import {
  alternativeFor,
  canTake,
  copiesInOrder,
  notCandidateBecause,
  profileChain,
  selectModel,
} from '../../src/orchestrator/generation/router.js';
import { type RouteCandidate } from '../../src/orchestrator/generation/routing-shapes.js';

const GB = 1e9;
function model(name: string, over: Partial<RouteCandidate> = {}): RouteCandidate {
  const sizeGb = over.sizeBytes ? over.sizeBytes / GB : 4.7;
  return {
    name,
    sizeBytes: sizeGb * GB,
    family: 'llama',
    parameterSize: '7B',
    capabilities: ['completion'],
    profiles: ['general'],
    loaded: false,
    fits: true,
    fitsNow: true,
    requiredBytes: sizeGb * 1.2 * GB,
    contextWindow: 32768,
    ...over,
  };
}

const settings = { defaultProfile: 'general' as const, overrides: {} };
const coder = model('qwen2.5-coder:7b', { profiles: ['code'], family: 'qwen2' });
const llama8 = model('llama3.1:8b', { parameterSize: '8.0B', profiles: ['general', 'code', 'creative'] });
const llama3 = model('llama3.2:latest', { parameterSize: '3.2B', sizeBytes: 2 * GB, profiles: ['general', 'fast'] });
const phi = model('phi3:mini', {
  parameterSize: '3.8B',
  family: 'phi',
  sizeBytes: 2.2 * GB,
  profiles: ['fast', 'general'],
});
const llava = model('llava:7b', { capabilities: ['completion', 'vision'], profiles: ['vision'] });
const embed = model('nomic-embed-text:latest', { capabilities: ['embedding'], profiles: [] });
const mistral = model('mistral:7b', {
  parameterSize: '7.2B',
  family: 'mistral',
  profiles: ['general', 'fast', 'creative'],
});

describe('selectModel', () => {
  it('sends code and debugging only to code models: specialists first, a general model that can code after them', () => {
    const s = selectModel({ task: 'code' }, [llama3, coder, llama8, phi], settings)!;
    expect(s.ranked.map((r) => r.model)).toEqual(['qwen2.5-coder:7b', 'llama3.1:8b']);
    expect(s.ranked[1]!.why).toMatch(/no code specialist is installed that fits/);
    expect(selectModel({ task: 'debugging' }, [llama3, phi], settings)).toBeUndefined();
  });

  it(
    'work that reads inputs given by path falls back to any text model when no code model can ' +
      'take it — a code model still first',
    () => {
      const s = selectModel({ task: 'debugging', readsInputs: true }, [llama3, phi, embed], settings)!;
      // phi last; never the embedding model
      expect(s.ranked.map((r) => r.model)).toEqual(['llama3.2:latest', 'phi3:mini']);
      expect(s.reason).toMatch(
        /best remaining text model that fits \(no code model could be used; the work reads inputs given by path\)/,
      );
      expect(
        selectModel({ task: 'debugging', readsInputs: true }, [llama3, coder, phi], settings)!.ranked.map(
          (r) => r.model,
        ),
      ).toEqual(['qwen2.5-coder:7b', 'llama3.2:latest', 'phi3:mini']);
      expect(selectModel({ task: 'debugging' }, [llama3, coder], settings)!.ranked.map((r) => r.model)).toEqual([
        'qwen2.5-coder:7b',
      ]);
      // images still go only to vision models
      expect(selectModel({ images: true, readsInputs: true }, [llama3, phi], settings)).toBeUndefined();
    },
  );

  it(
    'says why a model is no candidate at all: no text, memory, cloud, other work — and nothing ' +
      'for one it would rank',
    () => {
      const code = { readsInputs: false };
      const off = { allowCloud: false };
      expect(notCandidateBecause(embed, 'code', code, off)).toBe('serves embeddings only (it writes no text)');
      expect(notCandidateBecause({ ...llama3, fits: false, requiredBytes: 25e9 }, 'general', code, off)).toBe(
        "does not fit in its host's memory (needs 25 GB)",
      );
      expect(notCandidateBecause({ ...llama3, cloud: true }, 'general', code, off)).toMatch(/cloud models are off/);
      expect(notCandidateBecause({ ...llama3, cloud: true }, 'general', code, { allowCloud: true })).toBeUndefined();
      expect(notCandidateBecause(llama3, 'code', code, off)).toBe(
        'does not suit code work (code goes only to code models) — it serves general and fast work',
      );
      expect(notCandidateBecause(llama3, 'code', { readsInputs: true }, off)).toBeUndefined();
      expect(notCandidateBecause(coder, 'code', code, off)).toBeUndefined();
      expect(notCandidateBecause(llama3, 'vision', { images: true, readsInputs: true }, off)).toMatch(
        /^cannot see images/,
      );
      expect(notCandidateBecause(llava, 'vision', { images: true }, off)).toBeUndefined();
    },
  );

  it(
    'a loaded general model does not take code work from an installed specialist (seed 001), ' +
      'but does when no specialist fits',
    () => {
      const loadedLlama = { ...llama8, loaded: true, fitsNow: true };
      const deepseek = model('deepseek-coder:6.7b', { parameterSize: '7B', profiles: ['code'], fitsNow: false });
      expect(selectModel({ task: 'code' }, [loadedLlama, deepseek], settings)!.model).toBe('deepseek-coder:6.7b');
      const alone = selectModel({ task: 'debugging' }, [loadedLlama, { ...deepseek, fits: false }], settings)!;
      expect(alone.model).toBe('llama3.1:8b');
      expect(alone.reason).toMatch(/already loaded; no code specialist is installed that fits/);
    },
  );

  it('sends images only to vision models, and never picks an embedding model', () => {
    expect(selectModel({ images: true, task: 'general' }, [llama8, llava], settings)?.model).toBe('llava:7b');
    expect(selectModel({ task: 'vision' }, [llama8, embed], settings)).toBeUndefined();
    expect(selectModel({ task: 'general' }, [embed], settings)).toBeUndefined();
  });

  it('prefers an already loaded suitable model over a stronger one that must be loaded', () => {
    const s = selectModel({ task: 'general' }, [llama8, { ...llama3, loaded: true }], settings)!;
    expect(s.model).toBe('llama3.2:latest');
    expect(s.reason).toMatch(/already loaded/);
  });

  it('then what fits now over what needs unloading', () => {
    const s = selectModel({ task: 'general' }, [{ ...llama8, fitsNow: false }, mistral], settings)!;
    expect(s.model).toBe('mistral:7b');
  });

  it('fast work goes to a loaded general model (not a thinking one) rather than loading a small model first', () => {
    const loadedMistral = { ...mistral, loaded: true };
    // loaded, and serves fast itself
    expect(selectModel({ task: 'fast' }, [loadedMistral, llama3, phi], settings)!.model).toBe('mistral:7b');
    const loadedLlama8 = { ...llama8, loaded: true };
    const s = selectModel({ task: 'fast' }, [loadedLlama8, llama3, phi], settings)!;
    expect(s.model).toBe('llama3.1:8b');
    expect(s.reason).toMatch(/already loaded and answers general work at once/);
    const thinker = {
      ...model('qwen3:8b', {
        parameterSize: '8.2B',
        profiles: ['general', 'reasoning'],
        capabilities: ['completion', 'thinking'],
      }),
      loaded: true,
    };
    expect(selectModel({ task: 'fast' }, [thinker, llama3], settings)!.model).toBe('llama3.2:latest');
  });

  it('fast work prefers the smallest, with phi last (seed 001 chain)', () => {
    expect(selectModel({ task: 'fast' }, [mistral, llama3, phi], settings)!.ranked.map((r) => r.model)).toEqual([
      'llama3.2:latest',
      'mistral:7b',
      'phi3:mini',
    ]);
  });

  it('falls back from reasoning to general models, and says so', () => {
    const s = selectModel({ task: 'reasoning' }, [llama3, mistral], settings)!;
    expect(s.model).toBe('mistral:7b');
    expect(s.reason).toMatch(/no reasoning model could be used; general fallback/);
  });

  it('skips models that cannot fit at all', () => {
    expect(selectModel({ task: 'general' }, [{ ...llama8, fits: false }, llama3], settings)!.model).toBe(
      'llama3.2:latest',
    );
  });

  it('honours an override and the default model', () => {
    expect(
      selectModel({ task: 'general' }, [llama8, phi], { ...settings, overrides: { general: 'phi3:mini' } })!.model,
    ).toBe('phi3:mini');
    expect(selectModel({}, [llama8, phi], { ...settings, defaultModel: 'phi3:mini' })!.model).toBe('phi3:mini');
    // the work inferred (a task the caller did not name) still goes to the default model; work named does not
    expect(
      selectModel({ task: 'general', named: false }, [llama8, phi], { ...settings, defaultModel: 'phi3:mini' })!.model,
    ).toBe('phi3:mini');
    expect(
      selectModel({ task: 'general', named: true }, [llama8, phi], { ...settings, defaultModel: 'phi3:mini' })!.model,
    ).toBe('llama3.1:8b');
    expect(selectModel({ task: 'general' }, [llama8, phi], { ...settings, defaultModel: 'phi3:mini' })!.model).toBe(
      'llama3.1:8b',
    );
    // an override is used even where the profile rule would not send the work (a general model for code)…
    expect(selectModel({ task: 'code' }, [coder, phi], { ...settings, overrides: { code: 'phi3:mini' } })!.model).toBe(
      'phi3:mini',
    );
    // …and ignored when it cannot do the work at all
    expect(
      selectModel({ task: 'code' }, [coder, embed], { ...settings, overrides: { code: 'nomic-embed-text' } })!.model,
    ).toBe('qwen2.5-coder:7b');
  });
});

describe('context, complexity and speed', () => {
  it('leaves out models whose context window is too small for prompt + answer', () => {
    const small = model('llama3:8b', { parameterSize: '8B', contextWindow: 8192 });
    const big = model('mistral-nemo:12b', { parameterSize: '12B', contextWindow: 131072 });
    expect(
      selectModel({ task: 'general', contextTokens: 6000 }, [small, big], settings)!.ranked.map((r) => r.model),
    ).toEqual(['mistral-nemo:12b', 'llama3:8b']);
    expect(
      selectModel({ task: 'general', contextTokens: 20000 }, [small, big], settings)!.ranked.map((r) => r.model),
    ).toEqual(['mistral-nemo:12b']);
    expect(selectModel({ task: 'general', contextTokens: 200000 }, [small, big], settings)).toBeUndefined();
  });

  it('low complexity prefers the smaller model, high the stronger one (seed 000)', () => {
    expect(selectModel({ task: 'general', complexity: 'low' }, [llama8, llama3], settings)!.model).toBe(
      'llama3.2:latest',
    );
    expect(selectModel({ task: 'general', complexity: 'high' }, [llama8, llama3], settings)!.model).toBe('llama3.1:8b');
  });

  it('measured speed breaks ties for fast work', () => {
    const speeds = new Map([
      ['mistral:7b', 80],
      ['llama3.2:latest', 40],
    ]);
    expect(selectModel({ task: 'fast', speeds }, [llama3, mistral], settings)!.model).toBe('mistral:7b');
    expect(selectModel({ task: 'fast' }, [llama3, mistral], settings)!.model).toBe('llama3.2:latest');
  });

  it("prefers the profile's families among equals", () => {
    const deepseek = model('deepseek-coder:6.7b', { parameterSize: '7B', profiles: ['code'] });
    const other = model('somecoder:7b', { parameterSize: '7B', profiles: ['code'] });
    const qcoder = model('qwen2.5-coder:7b', { parameterSize: '7B', profiles: ['code'] });
    expect(
      selectModel({ task: 'code' }, [other, qcoder, deepseek], settings)!
        .ranked.map((r) => r.model)
        .slice(0, 2)
        .sort(),
    ).toEqual(['deepseek-coder:6.7b', 'qwen2.5-coder:7b']);
  });
});

describe('every profile, table-driven', () => {
  const all = [
    coder,
    llama8,
    llama3,
    phi,
    llava,
    embed,
    mistral,
    model('qwen3:8b', {
      parameterSize: '8.2B',
      profiles: ['general', 'reasoning', 'code'],
      capabilities: ['completion', 'thinking'],
    }),
  ];
  it.each([
    ['general', 'qwen3:8b'], // 8.2B, the strongest general model
    ['code', 'qwen2.5-coder:7b'],
    ['debugging', 'qwen2.5-coder:7b'],
    ['reasoning', 'qwen3:8b'],
    ['creative', 'llama3.1:8b'],
    ['fast', 'llama3.2:latest'],
    ['vision', 'llava:7b'],
    ['summarize', 'qwen3:8b'],
  ] as const)('%s → %s', (task, expected) => {
    expect(selectModel({ task }, all, settings)!.model).toBe(expected);
  });
});

describe('selectModel with model.routing.maxColdLoadMs', () => {
  const big = model('qwen2.5:32b', {
    parameterSize: '32B',
    sizeBytes: 19 * GB,
    profiles: ['general', 'code', 'reasoning'],
    family: 'qwen2',
  });
  const warm = { ...llama3, loaded: true };
  const cold = (ms: number) =>
    new Map([
      [big.name, ms],
      [llama8.name, 20_000],
    ]);
  const configured = { ...settings, overrides: { general: 'qwen2.5:32b' } };

  it('puts a loaded suitable model before one whose cold load is estimated to take longer, and says why', () => {
    const s = selectModel({ task: 'general', coldLoadMs: cold(95_000) }, [big, warm], {
      ...configured,
      maxColdLoadMs: 30_000,
    })!;
    expect(s.model).toBe('llama3.2:latest');
    expect(s.reason).toMatch(
      /already loaded; preferred over qwen2\.5:32b, whose load is estimated at ~95 s, more than model\.routing\.maxColdLoadMs \(30 s\)/,
    );
    expect(s.ranked.map((r) => r.model)).toEqual(['llama3.2:latest', 'qwen2.5:32b']); // still the fallback
  });

  it('keeps the order when the load is quick enough, when no limit is set, or when nothing suitable is loaded', () => {
    expect(
      selectModel({ task: 'general', coldLoadMs: cold(20_000) }, [big, warm], { ...configured, maxColdLoadMs: 30_000 })!
        .model,
    ).toBe('qwen2.5:32b');
    expect(selectModel({ task: 'general', coldLoadMs: cold(95_000) }, [big, warm], configured)!.model).toBe(
      'qwen2.5:32b',
    );
    expect(
      selectModel({ task: 'general', coldLoadMs: cold(95_000) }, [big, llama3], {
        ...configured,
        maxColdLoadMs: 30_000,
      })!.model,
    ).toBe('qwen2.5:32b');
  });

  it('lets a loaded general model that can code go before a code specialist that would load too slowly', () => {
    const slowCoder = model('qwen2.5-coder:32b', {
      parameterSize: '32B',
      sizeBytes: 19 * GB,
      profiles: ['code'],
      family: 'qwen2',
    });
    const loadedLlama = { ...llama8, loaded: true };
    const estimates = new Map([[slowCoder.name, 120_000]]);
    expect(selectModel({ task: 'code', coldLoadMs: estimates }, [slowCoder, loadedLlama], settings)!.model).toBe(
      'qwen2.5-coder:32b',
    );
    const s = selectModel({ task: 'code', coldLoadMs: estimates }, [slowCoder, loadedLlama], {
      ...settings,
      maxColdLoadMs: 60_000,
    })!;
    expect(s.model).toBe('llama3.1:8b');
    expect(s.reason).toMatch(/preferred over qwen2\.5-coder:32b, whose load is estimated at ~120 s/);
  });
});

describe('alternativeFor', () => {
  const big = model('qwen2.5:32b', {
    parameterSize: '32B',
    sizeBytes: 19 * GB,
    profiles: ['general', 'code', 'reasoning'],
    family: 'qwen2',
  });

  it('the same line in a smaller size first', () => {
    const q14 = model('qwen2.5:14b', { sizeBytes: 9 * GB, profiles: ['general', 'code', 'reasoning'] });
    const q7 = model('qwen2.5:7b', { sizeBytes: 4.7 * GB, profiles: ['general', 'code', 'reasoning'] });
    expect(alternativeFor(big, [q7, q14, llama8], 12 * GB)).toMatchObject({
      model: 'qwen2.5:14b',
      why: expect.stringContaining('smaller qwen2.5'),
    });
    expect(alternativeFor(big, [q7, q14, llama8], 8 * GB)?.model).toBe('qwen2.5:7b');
  });

  it('then a model serving the same primary work, larger first, phi last', () => {
    expect(alternativeFor(big, [phi, llama3, llama8], 12 * GB)?.model).toBe('llama3.1:8b');
    expect(alternativeFor(big, [phi, llama3], 12 * GB)?.model).toBe('llama3.2:latest');
  });

  it('a vision model only gets a vision alternative', () => {
    const bigVision = model('llama3.2-vision:90b', {
      sizeBytes: 55 * GB,
      capabilities: ['completion', 'vision'],
      profiles: ['vision'],
    });
    expect(alternativeFor(bigVision, [llama8], 12 * GB)).toBeUndefined();
    expect(alternativeFor(bigVision, [llava, llama8], 12 * GB)?.model).toBe('llava:7b');
  });
});

describe('a configured or preferred model the router cannot use', () => {
  const prefer = (preferred: Record<string, string>) => ({ ...settings, preferred });

  it('is passed over with the reason when it is not installed anymore', () => {
    const s = selectModel({ task: 'general' }, [llama8, llama3], prefer({ general: 'mistral:7b' }))!;
    expect(s.model).toBe('llama3.1:8b');
    expect(s.reason).toMatch(
      /^llama3\.1:8b serves general work and fits now; the model you preferred for general work, mistral:7b, was passed over: it is not installed anymore\.$/,
    );
    expect(s.ranked.every((r) => r.why.endsWith('mistral:7b, was passed over: it is not installed anymore'))).toBe(
      true,
    );
    expect(s.skipped).toEqual([{ model: 'mistral:7b', why: expect.stringContaining('not installed anymore') }]);
  });

  it('is passed over when it does not fit: too big for the host, or a context window too small for this request', () => {
    const tooBig = selectModel(
      { task: 'general' },
      [{ ...mistral, fits: false }, llama3],
      prefer({ general: 'mistral:7b' }),
    )!;
    expect(tooBig.model).toBe('llama3.2:latest');
    expect(tooBig.reason).toMatch(/mistral:7b, was passed over: it does not fit in this host's memory/);
    const short = model('mistral:7b', { family: 'mistral', contextWindow: 4096, profiles: ['general'] });
    const s = selectModel(
      { task: 'general', contextTokens: 9000 },
      [short, llama8],
      prefer({ general: 'mistral:7b' }),
    )!;
    expect(s.model).toBe('llama3.1:8b');
    expect(s.reason).toMatch(
      /does not fit this request now — its context window \(4096 tokens\) is smaller than the prompt and answer \(~9000 tokens\)/,
    );
  });

  it(
    'is passed over when it cannot do the work at all (a preference written before it was ' +
      'checked): embedding, no images — a vision model chosen for code writes text, so it is used',
    () => {
      const embedPref = selectModel({ task: 'general' }, [embed, llama8], prefer({ general: 'nomic-embed-text' }))!;
      expect(embedPref.model).toBe('llama3.1:8b');
      expect(embedPref.reason).toMatch(
        /nomic-embed-text:latest, was passed over: it does not suit general work — it serves embeddings only/,
      );
      const llavaForCode = selectModel({ task: 'code' }, [llava, coder], prefer({ code: 'llava:7b' }))!;
      expect(llavaForCode.ranked.map((r) => r.model)).toEqual(['llava:7b', 'qwen2.5-coder:7b']);
      expect(llavaForCode.reason).toBe('llava:7b is the model you preferred for code work.');
      const blind = selectModel({ task: 'general', images: true }, [llama8, llava], prefer({ vision: 'llama3.1:8b' }))!;
      expect(blind.model).toBe('llava:7b');
      expect(blind.reason).toMatch(/llama3\.1:8b, was passed over: it cannot see images/);
    },
  );

  it('says so for a configured model too, and stays silent when the preference is used', () => {
    const s = selectModel({ task: 'code' }, [coder, { ...phi, fits: false, requiredBytes: 40e9 }], {
      ...settings,
      overrides: { code: 'phi3:mini' },
    })!;
    expect(s.model).toBe('qwen2.5-coder:7b');
    expect(s.reason).toMatch(
      /the model configured for code work, phi3:mini, was passed over: it does not fit in this host's memory \(needs 40 GB\)/,
    );
    const used = selectModel({ task: 'general' }, [llama8, phi], prefer({ general: 'phi3:mini' }))!;
    expect(used.model).toBe('phi3:mini');
    expect(used.skipped).toBeUndefined();
    expect(used.reason).not.toMatch(/passed over/);
  });

  it('a preference the router may fall back to is honoured: a general model preferred for fast or reasoning work', () => {
    expect(selectModel({ task: 'fast' }, [llama3, llama8], prefer({ fast: 'llama3.1:8b' }))!.model).toBe('llama3.1:8b');
    expect(
      selectModel(
        { task: 'reasoning' },
        [llama8, model('qwen3:8b', { profiles: ['general', 'reasoning'] })],
        prefer({ reasoning: 'llama3.1:8b' }),
      )!.model,
    ).toBe('llama3.1:8b');
  });
});

describe('a model on several hosts', () => {
  // the same model on three hosts: not loaded on the first, loaded on the second, without room on the third
  const copies = [
    { ...phi, host: 'first' },
    { ...phi, host: 'second', loaded: true },
    { ...phi, host: 'third', fitsNow: false },
  ];

  it('copiesInOrder: the loaded copy first, then one that fits now, then one that fits after an unload', () => {
    expect(copiesInOrder(copies).map((c) => c.host)).toEqual(['second', 'first', 'third']);
    expect(copiesInOrder([copies[2]!, copies[0]!]).map((c) => c.host)).toEqual(['first', 'third']);
  });

  it('a model the user chose takes its copies in that order, each one the choice (issue 81)', () => {
    const s = selectModel({ task: 'general' }, [llama8, ...copies], {
      ...settings,
      overrides: { general: 'phi3:mini' },
    })!;
    expect(s.ranked.slice(0, 3).map((r) => [r.model, r.host, r.chosen])).toEqual([
      ['phi3:mini', 'second', true],
      ['phi3:mini', 'first', true],
      ['phi3:mini', 'third', true],
    ]);
    expect(s.ranked[0]!.why).toMatch(/and is already loaded$/);
  });
});

describe('canTake and profileChain', () => {
  it('follow the fallbacks: fast → general, creative → general; code and vision stand alone', () => {
    expect(profileChain('fast')).toEqual(['fast', 'general']);
    expect(profileChain('code')).toEqual(['code']);
    expect(profileChain('vision')).toEqual(['vision']);
    expect(canTake(llama8, 'creative')).toBe(true);
    expect(canTake(llama3, 'code')).toBe(false);
    expect(canTake(coder, 'code')).toBe(true);
    expect(canTake(llava, 'code')).toBe(false);
    expect(canTake(llama8, 'vision', true)).toBe(false);
    expect(canTake(llava, 'vision', true)).toBe(true);
    expect(canTake(embed, 'general')).toBe(false);
    expect(canTake(model('flux:latest', { capabilities: ['image'], profiles: [] }), 'creative')).toBe(false);
  });
});
