import { describe, expect, it } from 'vitest';
import {
  compareMetrics,
  fastestOf,
  type CompareEntry,
  type CompareResult,
} from '../../src/orchestrator/jobs/compare.js';
import { renderComparison } from '../../src/tools/compare.js';

const timing = (over: Partial<Parameters<typeof compareMetrics>[1]> = {}) => ({
  loadMs: 0,
  queueMs: 0,
  timeToFirstTokenMs: 100,
  totalMs: 1100,
  promptTokens: 20,
  outputTokens: 100,
  tokensPerSecond: 100,
  ...over,
});

const entry = (
  model: string,
  loaderLoadMs: number,
  t: Parameters<typeof compareMetrics>[1],
  loadedBefore = false,
): CompareEntry => ({
  model,
  text: 'answer',
  metrics: compareMetrics(loaderLoadMs, t),
  ...(loadedBefore && { loadedBefore }),
});

describe('compare metrics', () => {
  it('keep load, time to first token and generation apart, and the total includes the load', () => {
    // loaded by the loader before generating: 3 s; the request then reads the prompt (0.2 s) and generates (2 s)
    const m = compareMetrics(
      3000,
      timing({ timeToFirstTokenMs: 200, totalMs: 2200, outputTokens: 100, tokensPerSecond: 50 }),
    );
    expect(m).toMatchObject({
      loadMs: 3000,
      timeToFirstTokenMs: 200,
      generationMs: 2000,
      totalMs: 5200,
      tokensPerSecond: 50,
    });
  });

  it('move a load Ollama did inside the request out of the time to first token', () => {
    // nothing loaded beforehand: Ollama loads for 4 s at the start of the request, first token at 4.3 s
    const m = compareMetrics(0, timing({ loadMs: 4000, timeToFirstTokenMs: 4300, totalMs: 5300 }));
    expect(m).toMatchObject({ loadMs: 4000, timeToFirstTokenMs: 300, generationMs: 1000, totalMs: 5300 });
  });

  it('leave queueing out of the generation time, and derive tokens/s when the engine gives none', () => {
    const m = compareMetrics(
      0,
      timing({ queueMs: 500, timeToFirstTokenMs: 100, totalMs: 2600, outputTokens: 80, tokensPerSecond: 0 }),
    );
    expect(m.generationMs).toBe(2000);
    expect(m.tokensPerSecond).toBe(40);
  });
});

describe('the fastest model', () => {
  it('is the one that generates fastest, not the one that happened to be loaded already', () => {
    // warm: in memory before the comparison, generates 100 tokens at 50 tok/s (2 s)
    const warm = entry('warm:7b', 0, timing({ timeToFirstTokenMs: 100, totalMs: 2100, tokensPerSecond: 50 }), true);
    // cold: its 3 s load counted inside the request, then 100 tokens at 100 tok/s (1 s)
    const cold = entry(
      'cold:7b',
      0,
      timing({ loadMs: 3000, timeToFirstTokenMs: 3100, totalMs: 4100, tokensPerSecond: 100 }),
    );
    expect(warm.metrics.totalMs).toBeLessThan(cold.metrics.totalMs); // by wall time the warm one looks faster
    expect(fastestOf([warm, cold])).toBe('cold:7b');
    expect(fastestOf([cold, warm])).toBe('cold:7b');
  });

  it('is the shorter generation between equal speeds, and never a failed or empty answer', () => {
    const a = entry('a', 0, timing({ totalMs: 1600, tokensPerSecond: 80 }));
    const b = entry('b', 2000, timing({ totalMs: 1300, tokensPerSecond: 80 }));
    expect(fastestOf([a, b])).toBe('b');
    const failed: CompareEntry = { ...entry('c', 0, timing({ tokensPerSecond: 500 })), error: 'out of memory' };
    const empty = entry('d', 0, timing({ outputTokens: 0, tokensPerSecond: 900 }));
    expect(fastestOf([a, failed, empty])).toBe('a');
    expect(fastestOf([failed])).toBeUndefined();
  });
});

describe('the compare table', () => {
  it(
    'shows load, first token, generation, tokens/s and the total with load in columns, and says ' +
      'how fastest is judged',
    () => {
      const warm = entry('warm:7b', 0, timing({ timeToFirstTokenMs: 100, totalMs: 2100, tokensPerSecond: 50 }), true);
      const cold = entry('cold:7b', 2500, timing({ timeToFirstTokenMs: 300, totalMs: 1300, tokensPerSecond: 100 }));
      const failed: CompareEntry = {
        model: 'gone:1b',
        text: '',
        error: 'not installed',
        metrics: compareMetrics(0, timing({ totalMs: 0, timeToFirstTokenMs: 0, outputTokens: 0, tokensPerSecond: 0 })),
      };
      const result: CompareResult = {
        comparisonId: 'id-1',
        task: 'general',
        results: [warm, cold, failed],
        parallel: false,
        groups: [['warm:7b'], ['cold:7b']],
        wallMs: 6000,
      };
      result.fastest = fastestOf(result.results)!;
      const text = renderComparison(result);
      const lines = text.split('\n');
      expect(lines[0]).toBe(
        '| model | load s | first token s | generation s | tokens | tok/s | total s (with load) |  |',
      );
      expect(lines[2]).toBe('| warm:7b | 0.0 (was loaded) | 0.10 | 2.0 | 100 | 50 | 2.1 |  |');
      expect(lines[3]).toBe('| cold:7b | 2.5 | 0.30 | 1.0 | 100 | 100 | 3.8 | fastest |');
      expect(lines[4]).toMatch(/^\| gone:1b \|.*\| failed \|$/);
      expect(text).toMatch(/Fastest: cold:7b, by generation speed \(tokens\/s\); load time is shown apart/);
    },
  );
});
