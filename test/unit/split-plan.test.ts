import { describe, expect, it } from 'vitest';
import {
  combineRounds,
  FRAMING_TOKENS,
  leftOutNote,
  partAnswerTokens,
  planWindow,
  wholeNeed,
  type WindowNeed,
  type WindowPlan,
} from '../../src/orchestrator/generation/split-plan.js';
import { CONTEXT_SLACK } from '../../src/orchestrator/generation/context-need.js';

describe('planning a job against a window', () => {
  const need = { window: 8192, fixedTokens: 100, answerTokens: 1024, inputTokens: 5000 };

  it('runs whole when inputs, task, answer and framing fit', () => {
    expect(planWindow(need)).toEqual({ whole: true, needTokens: wholeNeed(need) });
    expect(wholeNeed(need)).toBe(5000 + 100 + 1024 + FRAMING_TOKENS);
  });

  it('is split one token past the window, each part sized so its request fits the window with its answer', () => {
    const over = { ...need, inputTokens: need.window - 100 - 1024 - FRAMING_TOKENS + 1 };
    const p = planWindow(over);
    expect(p.whole).toBe(false);
    if (p.whole || 'impossible' in p) throw new Error('split expected');
    // the route's own check (prompt + answer + slack within the window) holds for every part
    expect(p.partTokens + over.fixedTokens + p.partAnswerTokens + CONTEXT_SLACK).toBeLessThanOrEqual(over.window);
    expect(p.partAnswerTokens).toBe(1024);
  });

  it('fills more of the window when the engine counted the tokens', () => {
    const est = planWindow({ ...need, inputTokens: 50_000 });
    const exact = planWindow({ ...need, inputTokens: 50_000, exact: true });
    if (est.whole || exact.whole || 'impossible' in est || 'impossible' in exact) throw new Error('split expected');
    expect(exact.partTokens).toBeGreaterThan(est.partTokens);
  });

  it('gives a small window short partial answers, and never more than the caller allows', () => {
    expect(partAnswerTokens(2048)).toBe(256);
    expect(partAnswerTokens(131072)).toBe(1024);
    expect(partAnswerTokens(131072, 64)).toBe(64);
    expect(partAnswerTokens(256)).toBe(64);
  });

  // issue 83, finding 7: `maxTokens: 60` on a split job ran as 64 a part (the floor was put above the caller's limit)
  it("keeps a part's answer within a caller's limit below the floor; the floor stays without one", () => {
    expect(partAnswerTokens(8192, 60)).toBe(60);
    expect(partAnswerTokens(256, 10)).toBe(10);
    expect(partAnswerTokens(8192)).toBe(1024);
    expect(partAnswerTokens(256)).toBe(64);
    const p = planWindow({ window: 8192, fixedTokens: 100, answerTokens: 60, inputTokens: 50_000 }, 60);
    if (p.whole || 'impossible' in p) throw new Error('split expected');
    expect(p.partAnswerTokens).toBe(60);
  });

  it('says why when a part cannot hold enough beside the task, and the window it would take', () => {
    const p = planWindow({ window: 2048, fixedTokens: 1500, answerTokens: 256, inputTokens: 10_000 });
    expect(p).toMatchObject({
      whole: false,
      impossible: expect.stringMatching(
        /2048-token window leaves too little room beside the task .*~1500 tokens.*: it takes a window of at least 2369 tokens, or a task and system prompts ~273 tokens shorter$/,
      ),
    });
  });
});

type Split = Extract<WindowPlan, { partTokens: number }>;
function split(p: WindowPlan): Split {
  if (p.whole || 'impossible' in p) throw new Error(`split expected: ${JSON.stringify(p)}`);
  return p;
}
/** Every part's request fits its window: the part, what it carries, its answer and the route's slack. */
function fitsWindow(p: Split, window: number): boolean {
  return p.partTokens + p.carriedTokens + p.partAnswerTokens + CONTEXT_SLACK <= window;
}

// issue 54, finding 8: a 1536-token llama-server window, a 48 KB log (~12k tokens), the task ~100 tokens, a
// 500-token memory budget, the citation guide
describe('a small window: what parts carry shrinks before the work is refused', () => {
  const optional = { memory: 500, guide: 40, shortGuide: 8 };
  const small: WindowNeed = { window: 1536, fixedTokens: 102, optional, answerTokens: 1024, inputTokens: 12_000 };

  it('a window where everything fits: parts keep remembered facts and the whole citation guide', () => {
    const p = split(planWindow({ ...small, window: 8192 }));
    expect(p.carry).toEqual({ memory: true, guide: 'full' });
    expect(p.carriedTokens).toBe(102 + 500 + 40);
    expect(p.leftOut).toEqual([]);
    expect(p.shrunkFrom).toBeUndefined();
    expect(p.partAnswerTokens).toBe(1024);
    expect(leftOutNote(p, 8192)).toBeUndefined();
    expect(fitsWindow(p, 8192)).toBe(true);
  });

  it('a whole run carries everything: whole only when the inputs fit beside facts and guide too', () => {
    const fits = { ...small, window: 8192, inputTokens: 8192 - 102 - 540 - 1024 - FRAMING_TOKENS };
    expect(planWindow(fits)).toEqual({ whole: true, needTokens: 8192 });
    expect(planWindow({ ...fits, inputTokens: fits.inputTokens + 1 }).whole).toBe(false);
  });

  it('1536 tokens: remembered facts are left out first and the log is split into parts of ~650 tokens, not refused', () => {
    const p = split(planWindow(small));
    expect(p.carry).toEqual({ memory: false, guide: 'full' });
    expect(p.partTokens).toBe(Math.floor(1536 * 0.85) - 142 - 192 - FRAMING_TOKENS);
    expect(p.partAnswerTokens).toBe(192);
    expect(p.leftOut).toEqual(['remembered facts']);
    expect(leftOutNote(p, 1536)).toBe('remembered facts left out of parts: 1536-token window');
    expect(fitsWindow(p, 1536)).toBe(true);
  });

  it('then the citation guide: its short form first, then none', () => {
    // 1305 usable tokens - 320 framing - 192 answer leaves 793; a part needs 385 (two answers and one more)
    const short = split(planWindow({ ...small, fixedTokens: 380 }));
    expect(short.carry).toEqual({ memory: false, guide: 'short' });
    expect(short.carriedTokens).toBe(388);
    expect(leftOutNote(short, 1536)).toBe(
      'remembered facts and the full citation guide (a short one sent) left out of parts: 1536-token window',
    );
    const none = split(planWindow({ ...small, fixedTokens: 405 }));
    expect(none.carry).toEqual({ memory: false, guide: 'none' });
    expect(none.carriedTokens).toBe(405);
    expect(none.partAnswerTokens).toBe(192);
    expect(leftOutNote(none, 1536)).toBe(
      'remembered facts and the citation guide left out of parts: 1536-token window',
    );
    // a guide with no short form goes straight to none
    expect(split(planWindow({ ...small, fixedTokens: 380, optional: { ...optional, shortGuide: 0 } })).carry).toEqual({
      memory: false,
      guide: 'none',
    });
    for (const p of [short, none]) expect(fitsWindow(p, 1536)).toBe(true);
  });

  it("then the part's answer, down to its floor", () => {
    const p = split(planWindow({ ...small, fixedTokens: 500 }));
    expect(p.carry).toEqual({ memory: false, guide: 'none' });
    expect(p.partAnswerTokens).toBe(161); // (1305 - 500 - 320 - 1) / 3: a combining prompt still holds two answers
    expect(p.partTokens).toBeGreaterThanOrEqual(2 * p.partAnswerTokens + 1);
    expect(p.shrunkFrom).toBe(192);
    expect(leftOutNote(p, 1536)).toBe(
      'remembered facts and the citation guide left out of parts, and partial answers cut to 161 ' +
        'tokens (from 192): 1536-token window',
    );
    expect(fitsWindow(p, 1536)).toBe(true);
    // nothing optional to leave out: only the answer is cut
    expect(leftOutNote(split(planWindow({ ...small, fixedTokens: 500, optional: undefined })), 1536)).toBe(
      'partial answers cut to 161 tokens (from 192): 1536-token window',
    );
  });

  it(
    'refused only when the task alone leaves no room for the smallest part and its answer, ' +
      'naming the window it takes or the shorter task',
    () => {
      const p = planWindow({ ...small, fixedTokens: 800 });
      expect(p).toMatchObject({ whole: false, minWindow: 1545 });
      if (!('impossible' in p)) throw new Error('refusal expected');
      expect(p.impossible).toBe(
        'its 1536-token window leaves too little room beside the task and system prompts (~800 ' +
          'tokens) for even the smallest part (129 tokens) and its answer (64), with remembered facts ' +
          'and the citation guide left out: it takes a window of at least 1545 tokens, or a task and ' +
          'system prompts ~8 tokens shorter',
      );
      // the window it names is enough, and the task that much shorter too
      const at = split(planWindow({ ...small, fixedTokens: 800, window: 1545 }));
      expect(at.partAnswerTokens).toBe(64);
      expect(fitsWindow(at, 1545)).toBe(true);
      expect(split(planWindow({ ...small, fixedTokens: 792 })).partAnswerTokens).toBe(64);
      // a caller's limit under the floor shrinks into the same window, never above the limit, never refused for it
      expect(split(planWindow({ ...small, fixedTokens: 800, window: 1545 }, 40)).partAnswerTokens).toBe(40);
    },
  );

  it('a window no shorter task can make room in names the window only', () => {
    const p = planWindow({ ...small, window: 512, fixedTokens: 100 });
    if (!('impossible' in p)) throw new Error('refusal expected');
    expect(p.impossible).toMatch(/: it takes a window of at least 722 tokens$/);
    expect(split(planWindow({ ...small, window: 722, fixedTokens: 100 })).partAnswerTokens).toBe(64);
  });

  it('parts too small for inputs.maxParts are not of a useful size: facts are left out to make them larger', () => {
    const big: WindowNeed = { window: 4096, fixedTokens: 100, optional, answerTokens: 1024, inputTokens: 40_000 };
    // with everything: 3481 - 640 - 512 - 320 = 2009 tokens a part, 20 parts
    expect(split(planWindow({ ...big, maxParts: 20 })).carry).toEqual({ memory: true, guide: 'full' });
    const fewer = split(planWindow({ ...big, maxParts: 19 }));
    expect(fewer.carry).toEqual({ memory: false, guide: 'full' });
    expect(Math.ceil(40_000 / fewer.partTokens)).toBeLessThanOrEqual(19);
    // no part is large enough: the barest parts, for the caller to say how many they would take
    const never = split(planWindow({ ...big, maxParts: 5 }));
    expect(never.carry).toEqual({ memory: false, guide: 'none' });
    expect(Math.ceil(40_000 / never.partTokens)).toBeGreaterThan(5);
  });
});

describe('combining rounds', () => {
  it('combine as many answers per prompt as fit, round after round', () => {
    expect(combineRounds(2, 1000, 6000)).toEqual({ rounds: 1, calls: 3 });
    expect(combineRounds(33, 64, 1300)).toEqual({ rounds: 2, calls: 33 + 2 + 1 });
    // 25, 13 and 7 answers in groups of two: the last answer of each goes on alone, not combined
    expect(combineRounds(100, 1000, 2500)).toEqual({ rounds: 7, calls: 100 + 50 + 25 + 12 + 6 + 3 + 2 + 1 });
    expect(combineRounds(3, 1000, 2500)).toEqual({ rounds: 2, calls: 3 + 1 + 1 });
  });
  it('always end: a prompt holds at least two answers', () => {
    expect(combineRounds(8, 5000, 100).rounds).toBe(3);
  });
});
