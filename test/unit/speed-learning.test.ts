/** Learning a model's speeds on a host (generation/speed-learning.ts) and keeping them (stores/speeds.ts). */
import { describe, expect, it } from 'vitest';
import {
  KEEP_SAMPLES,
  MAX_PLACES,
  learnSpeed,
  parseSpeedRecord,
  speedKey,
  speedsAt,
  type SpeedBook,
  type SpeedSample,
} from '../../src/orchestrator/generation/speed-learning.js';
import { SpeedStore } from '../../src/orchestrator/stores/speeds.js';
import { tempDir } from '../helpers/temp.js';

/** 2,000 prompt tokens in 4 s (500/s), 100 tokens in 5 s (20/s). */
const sample: SpeedSample = { promptTokens: 2000, promptMs: 4000, outputTokens: 100, generationMs: 5000, cut: false };

describe('learnSpeed', () => {
  it('learns plausible rates at their host and model', () => {
    const book = learnSpeed({}, 'gpubox', 'qwen3:8b', sample, 1);
    expect(speedsAt(book, 'gpubox', 'qwen3:8b')).toEqual({
      promptTokensPerSecond: 500,
      tokensPerSecond: 20,
      answerTokens: 100,
      cutShare: 0,
    });
    expect(speedsAt(book, 'other', 'qwen3:8b')).toEqual({});
  });

  it('leaves out the tokens the cache held: the rate is that of the tokens read', () => {
    const book = learnSpeed({}, 'h', 'm', { ...sample, cachedPromptTokens: 1000 }, 1);
    expect(speedsAt(book, 'h', 'm').promptTokensPerSecond).toBe(250);
  });

  it('learns no implausible rate, nor one from too few tokens to time', () => {
    const fast = learnSpeed(
      {},
      'h',
      'm',
      { ...sample, promptTokens: 2_000_000, promptMs: 1, outputTokens: 50_000, generationMs: 1 },
      1,
    );
    expect(speedsAt(fast, 'h', 'm').promptTokensPerSecond).toBeUndefined();
    expect(speedsAt(fast, 'h', 'm').tokensPerSecond).toBeUndefined();
    const stuck = learnSpeed({}, 'h', 'm', { ...sample, promptMs: 1e9, generationMs: 1e9 * 1000 }, 1);
    expect(speedsAt(stuck, 'h', 'm')).toEqual({ answerTokens: 100, cutShare: 0 });
    const tiny = learnSpeed(
      {},
      'h',
      'm',
      { promptTokens: 5, promptMs: 1, outputTokens: 2, generationMs: 1, cut: false },
      1,
    );
    expect(speedsAt(tiny, 'h', 'm').promptTokensPerSecond).toBeUndefined();
    expect(speedsAt(tiny, 'h', 'm').tokensPerSecond).toBeUndefined();
    const untimed = learnSpeed({}, 'h', 'm', { promptTokens: 500, outputTokens: 0, cut: false }, 1);
    expect(untimed).toEqual({});
  });

  it(
    'takes the median of the recent samples, so one odd answer (a cache hit Ollama does not ' +
      'report) does not move it',
    () => {
      let book: SpeedBook = {};
      for (const ms of [4000, 4000, 200, 5000, 4000]) book = learnSpeed(book, 'h', 'm', { ...sample, promptMs: ms }, 1);
      expect(speedsAt(book, 'h', 'm').promptTokensPerSecond).toBe(500);
      // new samples replace the old: after KEEP_SAMPLES at 1,000/s the model is that fast
      for (let i = 0; i < KEEP_SAMPLES; i++) book = learnSpeed(book, 'h', 'm', { ...sample, promptMs: 2000 }, 2);
      expect(speedsAt(book, 'h', 'm').promptTokensPerSecond).toBe(1000);
      expect(book[speedKey('h', 'm')]!.prompt).toHaveLength(KEEP_SAMPLES);
    },
  );

  it("takes a split job's parts of a task not seen here as long as other tasks' parts ran here, not the task's answers", () => {
    const at = (task: string, outputTokens: number) => ({ ...sample, outputTokens, task });
    let book = learnSpeed({}, 'h', 'm', at('summarize', 300), 1); // a whole summary
    book = learnSpeed(book, 'h', 'm', at('code/part', 12), 2); // a code job's part
    book = learnSpeed(book, 'h', 'other', at('general/part', 40), 3); // another model's part on the host
    // the model's own parts of another task, not its 300-token summaries
    expect(speedsAt(book, 'h', 'm', 'summarize/part').answerTokens).toBe(12);
    // the task's own parts, once seen, win over the others'
    book = learnSpeed(book, 'h', 'm', at('summarize/part', 30), 4);
    expect(speedsAt(book, 'h', 'm', 'summarize/part').answerTokens).toBe(30);
    // a model with no part of its own takes the host's other models' parts
    expect(speedsAt(book, 'h', 'fresh', 'code/part').answerTokens).toBe(12);
    expect(speedsAt(book, 'h', 'fresh', 'debugging/part').answerTokens).toBe(30); // the median of the host's 12, 30, 40
    // whole answers and combinations take no part's length: a task not seen falls back, as before, to the model's
    // whole answers (its 300-token summary; parts are left out of those)
    expect(speedsAt(book, 'h', 'm', 'creative').answerTokens).toBe(300);
    expect(speedsAt(book, 'h', 'm', 'summarize/combination').answerTokens).toBe(300);
  });

  it('counts answers cut at their limit apart from their length', () => {
    let book = learnSpeed({}, 'h', 'm', { ...sample, outputTokens: 300 }, 1);
    book = learnSpeed(book, 'h', 'm', { ...sample, outputTokens: 512, cut: true }, 2);
    expect(speedsAt(book, 'h', 'm')).toMatchObject({ answerTokens: 300, cutShare: 0.5 });
  });

  it(`keeps at most ${MAX_PLACES} places, the least recently seen forgotten`, () => {
    let book: SpeedBook = {};
    for (let i = 0; i <= MAX_PLACES; i++) book = learnSpeed(book, 'h', `m${i}`, sample, i);
    expect(Object.keys(book)).toHaveLength(MAX_PLACES);
    expect(speedsAt(book, 'h', 'm0')).toEqual({});
    expect(speedsAt(book, 'h', `m${MAX_PLACES}`).tokensPerSecond).toBe(20);
  });

  it('reads back only sane stored figures', () => {
    expect(
      parseSpeedRecord({ prompt: [500, -1, 'x', 1e9], generate: [20, 0.001], answers: [3], cut: [0, 7], lastMs: 5 }),
    ).toEqual({ prompt: [500], generate: [20], answers: [3], cut: [0], overhead: [], lastMs: 5 });
    expect(parseSpeedRecord([1, 2])).toBeNull();
  });
});

describe('the speed store', () => {
  it('keeps what it learned across a restart (another store on the same home reads it), and forgets on reset', async () => {
    const home = tempDir('ollm-speeds-');
    const a = new SpeedStore(home);
    await a.record('gpubox', 'qwen3:8b', sample);
    await a.record('gpubox', 'qwen3:8b', { ...sample, promptMs: 1 }); // 2,000,000 tokens/s: not learned
    expect(a.at('gpubox', 'qwen3:8b')).toMatchObject({ promptTokensPerSecond: 500, tokensPerSecond: 20 });
    const b = new SpeedStore(home); // as the next process on the same home would
    expect(b.at('gpubox', 'qwen3:8b')).toEqual({});
    await b.load();
    expect(b.at('gpubox', 'qwen3:8b')).toMatchObject({ promptTokensPerSecond: 500, tokensPerSecond: 20 });
    expect(b.book()[speedKey('gpubox', 'qwen3:8b')]!.prompt).toEqual([500]);
    await b.record('gpubox', 'qwen3:8b', { ...sample, promptMs: 2000 });
    expect((await a.load())[speedKey('gpubox', 'qwen3:8b')]!.prompt).toEqual([500, 1000]);
    await a.reset();
    expect(await b.load()).toEqual({});
  });
});
