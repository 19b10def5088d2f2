import { describe, expect, it } from 'vitest';
import { combineRounds, FRAMING_TOKENS, partAnswerTokens, planWindow, wholeNeed } from '../../src/orchestrator/generation/split-plan.js';
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

  it('says why when a part cannot hold enough beside the task', () => {
    const p = planWindow({ window: 2048, fixedTokens: 1500, answerTokens: 256, inputTokens: 10_000 });
    expect(p).toMatchObject({ whole: false, impossible: expect.stringMatching(/2048-token window leaves too little room beside the task .*~1500 tokens/) });
  });
});

describe('combining rounds', () => {
  it('combine as many answers per prompt as fit, round after round', () => {
    expect(combineRounds(2, 1000, 6000)).toEqual({ rounds: 1, calls: 3 });
    expect(combineRounds(33, 64, 1300)).toEqual({ rounds: 2, calls: 33 + 2 + 1 });
    expect(combineRounds(100, 1000, 2500)).toEqual({ rounds: 7, calls: 100 + 50 + 25 + 13 + 7 + 4 + 2 + 1 });
  });
  it('always end: a prompt holds at least two answers', () => {
    expect(combineRounds(8, 5000, 100).rounds).toBe(3);
  });
});
