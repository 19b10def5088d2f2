import type { ShowResponse } from 'ollama';
import { describe, expect, it } from 'vitest';
import { selectModel } from '../../src/orchestrator/generation/router.js';
import { type RouteCandidate, type RankRequest } from '../../src/orchestrator/generation/routing-shapes.js';
import { showFacts } from '../../src/orchestrator/models/catalog.js';
import { describeModel, parameterCount, type ModelDescription } from '../../src/orchestrator/models/model-db.js';
import { nameWords } from '../../src/orchestrator/models/name-words.js';
import type { ProfileName } from '../../src/orchestrator/config/profiles.js';
import { MODEL_SHOWS, modelShow, type ModelShow } from '../fixtures/model-shows.js';

/** A model described the way the catalog describes it: the /api/show answer through showFacts, then describeModel. */
function described(m: ModelShow): ModelDescription & { parameterSize: string } {
  // The fixture holds only the parts of ShowResponse that showFacts reads.
  const facts = showFacts(m.show as unknown as ShowResponse);
  return { ...describeModel(m.name, facts), parameterSize: facts.parameterSize ?? '' };
}

const candidate = (m: ModelShow): RouteCandidate => {
  const d = described(m);
  return {
    name: m.name,
    sizeBytes: m.size,
    family: d.family,
    parameterSize: d.parameterSize,
    capabilities: d.capabilities,
    profiles: d.profiles,
    loaded: false,
    fits: true,
    fitsNow: true,
    requiredBytes: m.size * 1.2,
    contextWindow: d.contextWindow,
    ...(m.name.endsWith('-cloud') && { cloud: true }),
  };
};

const ALL = MODEL_SHOWS.map(candidate);
const installed = (...names: string[]) => names.map((n) => candidate(modelShow(n)));
const settings = { defaultProfile: 'general' as const, overrides: {} };
const route = (req: RankRequest, models: readonly RouteCandidate[] = ALL) => selectModel(req, models, settings);
/** The ranked models that serve the asked profile itself, not a fallback or the last resort. */
const servingItself = (req: RankRequest, models: readonly RouteCandidate[] = ALL) => {
  const s = route(req, models)!;
  return s.ranked.filter((r) => !/fallback|best remaining text model/.test(r.why)).map((r) => r.model);
};

describe('every fixture model is described from what its host says', () => {
  const expected: Record<string, ProfileName[]> = {
    // Code: from the name's words (devstral, deepcoder are in no table) or the table; never `fast`, code
    // models are not general
    'devstral:24b': ['code'],
    'qwen3-coder:30b': ['code'],
    'qwen2.5-coder:7b': ['code'],
    'qwen2.5-coder:1.5b': ['code'],
    'codegemma:7b': ['code'],
    'starcoder2:3b': ['code'],
    'deepcoder:14b': ['code'],
    // Reasoning: thinking capability, or a name that says it reasons; those never serve fast work
    'gpt-oss:20b': ['general', 'code', 'reasoning'],
    'deepseek-r1:8b': ['reasoning'],
    'magistral:24b': ['general', 'reasoning'],
    'phi4-reasoning:14b': ['general', 'reasoning'],
    'phi4-mini-reasoning:3.8b': ['general', 'reasoning'],
    'qwq:32b': ['reasoning'],
    'olmo-3:7b-think': ['general', 'reasoning'],
    'qwen3:8b': ['general', 'code', 'reasoning'],
    'qwen3:4b': ['fast', 'general', 'code', 'reasoning'],
    // Vision: the capability
    'qwen3-vl:8b': ['general', 'reasoning', 'vision'],
    'llama4:16x17b': ['general', 'vision'],
    'gemma3:4b': ['fast', 'general', 'creative', 'vision'],
    'mistral-small3.2:24b': ['general', 'code', 'vision'],
    'ministral-3:8b': ['general', 'vision'], // "mini" in the name, but 8.9B: not fast
    'llava:7b': ['vision'],
    'moondream:1.8b': ['fast', 'vision'],
    // Small: by parameter count, or a size word ("tiny", "e2b") up to 8B
    'gemma3:270m': ['fast'],
    'gemma3n:e4b': ['fast', 'general', 'creative'], // gemma3* in the table; no vision, as the host says
    'gemma3n:e2b': ['fast', 'general', 'creative'],
    'granite4:micro': ['fast', 'general'],
    'granite4:tiny-h': ['fast', 'general'],
    'smollm2:1.7b': ['fast'],
    'llama3.2:3b': ['fast', 'general'],
    'llama3.1:8b': ['general', 'code', 'creative'],
    // No text work at all
    'nomic-embed-text:latest': [],
    'embeddinggemma:300m': [],
    'qwen3-embedding:0.6b': [],
    'x/z-image-turbo:latest': [],
    'gpt-oss:120b-cloud': ['general', 'code', 'reasoning'],
    // Fill-in-the-middle alone is no code model; an unknown chat model is general
    'acme/base:7b': ['general'],
    'acme/chat:13b': ['general'],
  };

  it('has an expectation for each of the 25–40 fixtures', () => {
    expect(MODEL_SHOWS.length).toBeGreaterThanOrEqual(25);
    expect(MODEL_SHOWS.length).toBeLessThanOrEqual(40);
    expect(Object.keys(expected).sort()).toEqual(MODEL_SHOWS.map((m) => m.name).sort());
  });

  it.each(MODEL_SHOWS.map((m) => [m.name, m] as const))('%s', (name, m) => {
    expect(described(m).profiles).toEqual(expected[name]);
  });

  it("takes the context window, family and capabilities from the host's answer", () => {
    const gptoss = described(modelShow('gpt-oss:20b'));
    expect(gptoss).toMatchObject({
      contextWindow: 131072,
      contextSource: 'ollama',
      family: 'gptoss',
      capabilities: ['completion', 'tools', 'thinking'],
    });
    const granite = described(modelShow('granite4:tiny-h'));
    expect(granite).toMatchObject({ contextWindow: 1048576, family: 'granitehybrid' });
    expect(granite.pattern).toBeUndefined(); // no table entry: all of it is the host's
  });

  it("a cloud stub's raw parameter count is read, and its thinking implies completion", () => {
    const cloud = described(modelShow('gpt-oss:120b-cloud'));
    expect(cloud.parameterSize).toBe('116.8B');
    expect(cloud.capabilities).toEqual(['completion', 'thinking']);
  });

  it(
    'the family comes from general.architecture, and the parameter count from ' +
      'general.parameter_count, when details leave them out',
    () => {
      const m = modelShow('acme/chat:13b');
      const bare = { ...m.show, details: { ...m.show.details, family: '', parameter_size: '' } };
      const facts = showFacts(bare as unknown as ShowResponse);
      expect(facts).toMatchObject({ architecture: 'llama', parameterCount: 13015864320, parameterSize: '13B' });
      expect(describeModel('acme/chat:13b', facts).family).toBe('llama');
      // 3.4B from model_info makes a model fast even with no parameter size at all
      expect(describeModel('acme/chat:3b', { capabilities: ['completion'], parameterCount: 3.4e9 }).profiles).toEqual([
        'fast',
        'general',
      ]);
    },
  );
});

describe('the name as a source', () => {
  it.each([
    ['devstral:24b', { code: true }],
    ['hf.co/unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF:Q4_K_M', { code: true, parameters: 30e9 }],
    ['codestral:22b', { code: true }],
    ['starcoder2:3b', { code: true, parameters: 3e9 }],
    ['granite-code:8b', { code: true }],
    ['qwen3-vl:8b', { vision: true }],
    ['qwen2.5vl:7b', { vision: true }],
    ['llama3.2-vision:11b', { vision: true }],
    ['minicpm-v:8b', { vision: true }],
    ['deepseek-r1:8b', { reasoning: true }],
    ['magistral:24b', { reasoning: true }],
    ['qwen3:30b-a3b-thinking-2507-q4_K_M', { reasoning: true, parameters: 30e9 }],
    ['qwen3-no-think:8b', { reasoning: false }],
    ['granite4:tiny-h', { small: true }],
    ['gemma3n:e4b', { small: true, parameters: 4e9 }],
    ['smollm2:135m', { small: true, parameters: 1.35e8 }],
    ['mixtral:8x7b', { small: false, parameters: 56e9 }],
    ['nomic-embed-text', { embedding: true, code: false }],
    ['t5-decoder:base', { code: false }],
    ['llama3.1:8b', { code: false, vision: false, reasoning: false, small: false, embedding: false }],
  ])('%s', (name, hints) => {
    expect(nameWords(name)).toMatchObject(hints);
  });

  it('with no answer from the host, the name still tells a code, vision or embedding model', () => {
    expect(describeModel('devstral-small:24b').profiles).toEqual(['code']);
    expect(describeModel('internvl3:8b')).toMatchObject({
      capabilities: ['completion', 'vision'],
      profiles: ['general', 'vision'],
    });
    expect(describeModel('granite-embedding:278m').profiles).toEqual([]);
    expect(describeModel('acme-embed:v2').profiles).toEqual([]);
    expect(describeModel('acme-tiny:latest').profiles).toEqual(['fast', 'general']);
  });

  it('"mini" or "small" does not make a large model fast', () => {
    expect(describeModel('acme-mini:14b', { capabilities: ['completion'], parameterSize: '14B' }).profiles).toEqual([
      'general',
    ]);
    expect(
      describeModel('mistral-small:24b', { capabilities: ['completion', 'tools'], parameterSize: '24B' }).profiles,
    ).not.toContain('fast');
    // the table's own `fast` goes too when the host reports a large model (mistral* is mostly 7B)
    expect(
      describeModel('mistral-large:123b', { capabilities: ['completion', 'tools'], parameterSize: '123B' }).profiles,
    ).not.toContain('fast');
  });

  it('insert is a hint, not proof: with a code word or a table entry it is a code model, alone it is not', () => {
    expect(
      describeModel('acme/base:7b', { capabilities: ['completion', 'insert'], parameterSize: '7B' }).profiles,
    ).toEqual(['general']);
    expect(
      describeModel('acme/base-coder:7b', { capabilities: ['completion', 'insert'], parameterSize: '7B' }).profiles,
    ).toEqual(['code']);
    // llama3 is in the table as general and creative: with insert from the host, it serves code too
    expect(
      describeModel('llama3:8b', { capabilities: ['completion', 'insert'], parameterSize: '8.0B' }).profiles,
    ).toEqual(['general', 'code', 'creative']);
  });

  it("a model the host reports without thinking keeps the table's reasoning only when its name says it reasons", () => {
    expect(
      describeModel('qwen3:4b-instruct-2507-q4_K_M', { capabilities: ['completion', 'tools'], parameterSize: '4.0B' })
        .profiles,
    ).toEqual(['fast', 'general', 'code']);
    expect(
      describeModel('mixtral:8x7b', { capabilities: ['completion', 'tools'], parameterSize: '46.7B' }).profiles,
    ).toEqual(['general', 'code']);
    // with nothing from the host, the table's word stands
    expect(describeModel('mixtral:8x7b').profiles).toEqual(['general', 'code', 'reasoning']);
  });
});

describe('routing the fixture models through the pure router', () => {
  const THINKERS = [
    'gpt-oss:20b',
    'deepseek-r1:8b',
    'magistral:24b',
    'phi4-reasoning:14b',
    'phi4-mini-reasoning:3.8b',
    'qwq:32b',
    'olmo-3:7b-think',
    'qwen3:8b',
    'qwen3:4b',
    'qwen3-vl:8b',
  ];
  const CODE_MODELS = [
    'devstral:24b',
    'qwen3-coder:30b',
    'qwen2.5-coder:7b',
    'qwen2.5-coder:1.5b',
    'codegemma:7b',
    'starcoder2:3b',
    'deepcoder:14b',
  ];

  it('code goes to code specialists first, and never to a model only because it has insert', () => {
    const s = route({ task: 'code' })!;
    expect(s.model).toBe('qwen3-coder:30b');
    const ranked = s.ranked.map((r) => r.model);
    expect(ranked).not.toContain('acme/base:7b');
    // every code model outranks every general model that can also code
    const lastCodeModel = Math.max(...CODE_MODELS.map((n) => ranked.indexOf(n)));
    expect(lastCodeModel).toBeLessThan(ranked.indexOf('gpt-oss:20b'));
    expect(route({ task: 'debugging' }, installed('acme/base:7b', 'llama3.2:3b', 'gemma3:4b'))).toBeUndefined();
    expect(route({ task: 'code' }, installed('acme/base:7b', 'codegemma:7b'))!.model).toBe('codegemma:7b');
  });

  it('devstral, a code model no table knows, gets code work over general models', () => {
    expect(
      route({ task: 'code' }, installed('devstral:24b', 'llama3.1:8b', 'llama3.2:3b', 'acme/chat:13b'))!.model,
    ).toBe('devstral:24b');
    expect(
      route({ task: 'debugging' }, installed('devstral:24b', 'gemma3:4b', 'qwen3-vl:8b', 'acme/base:7b'))!.model,
    ).toBe('devstral:24b');
    expect(
      route({ task: 'code' }, installed('devstral:24b', 'qwen2.5-coder:7b', 'llama3.2:3b'))!
        .ranked.map((r) => r.model)
        .sort(),
    ).toEqual(['devstral:24b', 'qwen2.5-coder:7b']);
    // a code specialist: before a larger general model that can also code, and its reason does not say none
    // is installed
    const s = route({ task: 'code' }, installed('devstral:24b', 'mistral-small3.2:24b', 'llama3.1:8b'))!;
    expect(s.model).toBe('devstral:24b');
    expect(s.reason).not.toMatch(/no code specialist/);
  });

  it('images go only to vision models', () => {
    const s = route({ task: 'general', images: true })!;
    const seeing = ALL.filter((c) => c.capabilities.includes('vision')).map((c) => c.name);
    expect(s.ranked.map((r) => r.model).every((n) => seeing.includes(n))).toBe(true);
    expect(seeing).toEqual(
      expect.arrayContaining(['qwen3-vl:8b', 'llama4:16x17b', 'mistral-small3.2:24b', 'ministral-3:8b']),
    );
    expect(route({ images: true }, installed('llama3.1:8b', 'qwen3-vl:8b', 'gemma3n:e4b', 'devstral:24b'))!.model).toBe(
      'qwen3-vl:8b',
    );
    expect(route({ task: 'vision' }, installed('llama3.1:8b', 'ministral-3:8b'))!.model).toBe('ministral-3:8b');
  });

  it('reasoning goes to models that think', () => {
    const serving = servingItself({ task: 'reasoning' });
    expect(serving.length).toBeGreaterThan(0);
    expect(serving.every((n) => THINKERS.includes(n))).toBe(true);
    // a larger model that does not think does not take it from a smaller one that does
    expect(
      route({ task: 'reasoning' }, installed('llama3.1:8b', 'mistral-small3.2:24b', 'acme/chat:13b', 'deepseek-r1:8b'))!
        .model,
    ).toBe('deepseek-r1:8b');
    expect(route({ task: 'reasoning' }, installed('llama4:16x17b', 'magistral:24b'))!.model).toBe('magistral:24b');
  });

  it('fast work goes to small general models: not code-only, not always-reasoning, not large', () => {
    const serving = servingItself({ task: 'fast' });
    expect(serving[0]).toBe('gemma3:270m');
    for (const n of serving) {
      expect(parameterCount(described(modelShow(n)).parameterSize)).toBeLessThanOrEqual(8e9);
      expect(nameWords(n).reasoning).toBe(false);
    }
    expect(serving).not.toContain('qwen2.5-coder:1.5b');
    expect(serving).not.toContain('phi4-mini-reasoning:3.8b');
    expect(serving).not.toContain('ministral-3:8b');
    const pick = route(
      { task: 'fast' },
      installed(
        'llama3.1:8b',
        'gpt-oss:20b',
        'granite4:micro',
        'phi4-mini-reasoning:3.8b',
        'qwen2.5-coder:1.5b',
        'starcoder2:3b',
      ),
    )!;
    expect(pick.model).toBe('granite4:micro');
  });

  it('general work never goes to an embedding or image-generating model', () => {
    for (const task of ['general', 'summarize', 'creative', 'fast'] as const) {
      const ranked = route({ task })!.ranked.map((r) => r.model);
      for (const n of [
        'nomic-embed-text:latest',
        'embeddinggemma:300m',
        'qwen3-embedding:0.6b',
        'x/z-image-turbo:latest',
      ])
        expect(ranked).not.toContain(n);
    }
    expect(
      route({ task: 'general' }, installed('nomic-embed-text:latest', 'embeddinggemma:300m', 'x/z-image-turbo:latest')),
    ).toBeUndefined();
    expect(route({ task: 'general' }, installed('qwen3-embedding:0.6b', 'acme/chat:13b'))!.model).toBe('acme/chat:13b');
  });
});
