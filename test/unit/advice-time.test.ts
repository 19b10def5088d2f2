// A dry run's time in words (issue 62, item 4): a split job's part apart from the whole job, and
// for a client with a limit, within it or handed over at the limit less the margin (hand-over.ts).
// Issue 73: the time expected (answers as long as such answers ran) and, apart, the bound.
import { describe, expect, it } from 'vitest';
import { limitLine, timeLines } from '../../src/orchestrator/generation/advice-time.js';
import { estimateSeconds, type EstimateInput } from '../../src/orchestrator/generation/estimate.js';
import { answerWithin } from '../../src/orchestrator/generation/hand-over.js';

const limit = (clientMs: number) => ({ clientMs, withinMs: answerWithin(clientMs)! });
const speeds = { hostKind: 'cpu' as const, promptTokensPerSecond: 100, tokensPerSecond: 10 };
const estimate = (input: Partial<EstimateInput>) => {
  const full: EstimateInput = {
    loadSeconds: 0,
    queueSeconds: 0,
    promptTokens: 1000,
    answerTokens: 100,
    parts: 1,
    width: 1,
    rounds: 0,
    ...input,
  };
  return { ...estimateSeconds(full, speeds), input: full };
};

describe('limitLine', () => {
  it('hands over at the limit less the margin once the whole plan passes it, and says when the whole result comes', () => {
    expect(limitLine(100, limit(60_000))).toEqual({
      line:
        'Your client waits 60 s: this call would be handed over as a job at ~54 s, the whole result ' +
        "expected at ~100 s (show_status with the job's id collects it).",
      fields: { clientLimitSeconds: 60, handOverSeconds: 54 },
    });
    expect(limitLine(54.1, limit(60_000))?.fields.handOverSeconds).toBe(54);
    expect(limitLine(109, limit(120_000))?.fields.handOverSeconds).toBe(108);
  });

  it('says it fits when the plan ends by the hand-over, to the second', () => {
    expect(limitLine(54, limit(60_000))).toEqual({
      line: 'Within what your client waits (60 s).',
      fields: { clientLimitSeconds: 60 },
    });
    expect(limitLine(100, limit(120_000))?.line).toBe('Within what your client waits (120 s).');
  });

  it('says nothing for a client without a limit', () => {
    expect(limitLine(10_000, undefined)).toBeUndefined();
  });
});

describe('timeLines', () => {
  it("gives work sent whole one line and no part's figures", () => {
    const { lines, fields } = timeLines({ estimate: estimate({}), maxTokens: 100, loaded: true });
    expect(lines).toEqual([
      'Expected: about 20 s (measured speeds) for ~100 tokens of answer, typical of such work ' +
        '(none seen here yet), up to 100 (already loaded; 10 s reading ~1000 prompt tokens; reading ' +
        '100 prompt tokens/s and writing 10.0 tokens/s, measured here).',
    ]);
    expect(fields).toEqual({ answerTokens: 100 });
  });

  it(
    'says the time expected and, apart, the bound; a client would get it in time as expected, ' +
      'handed over only should it run to its limit',
    () => {
      const expected = {
        ...estimate({ answerTokens: 60 }),
        answerLearned: true,
        bound: estimate({ answerTokens: 4096 }),
      };
      const { lines, fields } = timeLines({
        estimate: expected,
        maxTokens: 4096,
        task: 'general',
        loaded: true,
        limit: limit(60_000),
      });
      expect(lines[0]).toBe(
        'Expected: about 16 s (measured speeds) for ~60 tokens of answer, as general answers ran ' +
          'here, up to 4096 (already loaded; 10 s reading ~1000 prompt tokens; reading 100 prompt ' +
          'tokens/s and writing 10.0 tokens/s, measured here).',
      );
      expect(lines[1]).toBe('At most: about 420 s, should it write all 4096 tokens its limit allows.');
      expect(lines[2]).toBe(
        'Within what your client waits (60 s), as expected; should it run to its limit (~420 s), it ' +
          "would be handed over as a job at ~54 s (show_status with the job's id collects it).",
      );
      expect(fields).toEqual({ answerTokens: 60, boundSeconds: 419.6, clientLimitSeconds: 60 });
    },
  );

  it("labels a split job's part apart from the whole job, and the part's seconds are one request's", () => {
    const e = estimate({ parts: 4, width: 2, rounds: 1, loadSeconds: 5 });
    const { lines, fields } = timeLines({ estimate: e, maxTokens: 100, loaded: false, limit: limit(60_000) });
    expect(e.requestSeconds).toBe(20); // 1000 tokens read at 100/s, 100 written at 10/s
    expect(lines[0]).toBe(
      'Each part: ~100 tokens of answer, typical of such work (none seen here yet), up to 100, ' +
        'from ~1000 prompt tokens, about 20 s.',
    );
    expect(lines[1]).toMatch(
      /^Whole job: 4 parts \(2 at a time\) and 1 combining round, about \d+ s \(measured speeds\) in all \(5\.0 s to load first; \d+ s reading prompts in all; /,
    );
    expect(lines[2]).toMatch(
      /^Your client waits 60 s: this call would be handed over as a job at ~54 s, the whole result expected at ~\d+ s/,
    );
    expect(fields).toEqual({
      answerTokens: 100,
      part: { promptTokens: 1000, maxTokens: 100, seconds: 20 },
      clientLimitSeconds: 60,
      handOverSeconds: 54,
    });
    expect(e.seconds).toBeGreaterThan(3 * e.requestSeconds);
  });
});
