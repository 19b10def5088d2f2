/**
 * A running job in a few words (presenting/job-words.ts): what a hand-over, a follow-up while it
 * runs, tasks/get and its resource say — how far it is, never a part's text — and a kept result in
 * one shape whether its job ran as a task or as a plain call.
 */
import { describe, expect, it } from 'vitest';
import {
  aboutTime,
  etaSeconds,
  expectedWords,
  jobInfo,
  jobNowLine,
  keptOutput,
  storedText,
} from '../../src/presenting/job-words.js';

const AT = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('a job in words', () => {
  it('says spans as people do: seconds below 90 s, minutes below 90 min, then hours', () => {
    expect(aboutTime(40_000)).toBe('~40 s');
    expect(aboutTime(89_000)).toBe('~89 s');
    expect(aboutTime(91_000)).toBe('~2 min');
    expect(aboutTime(180_000)).toBe('~3 min');
    expect(aboutTime(100 * 60_000)).toBe('~1 h 40 min');
    expect(aboutTime(0)).toBe('~1 s'); // never "~0 s"
  });

  it('says when the whole result is expected, "any moment now" once past it, nothing without an estimate', () => {
    expect(expectedWords(AT + 180_000, AT)).toBe('in ~3 min');
    expect(expectedWords(AT + 1600, AT)).toBe('in ~2 s');
    expect(expectedWords(AT + 1500, AT)).toBe('any moment now');
    expect(expectedWords(AT - 60_000, AT)).toBe('any moment now');
    expect(expectedWords(undefined, AT)).toBeUndefined();
    expect(etaSeconds({ expectedAt: AT + 61_400 }, AT)).toBe(61);
    expect(etaSeconds({ expectedAt: AT - 5000 }, AT)).toBe(0);
    expect(etaSeconds({}, AT)).toBeUndefined();
  });

  it('gives parts done of all, the step and the time left — what is known, nothing more', () => {
    expect(
      jobNowLine(
        {
          partsDone: 5,
          partsTotal: 11,
          step: 'part 6 of 11: evaluating the prompt',
          updatedAt: AT,
          expectedAt: AT + 180_000,
        },
        AT,
      ),
    ).toBe('5 of 11 parts done; now: part 6 of 11: evaluating the prompt; whole result expected in ~3 min');
    expect(jobNowLine({ partsDone: 1, updatedAt: AT }, AT)).toBe('1 part done');
    expect(jobNowLine({ partsDone: 0, step: 'loading llama3.2', updatedAt: AT }, AT)).toBe('now: loading llama3.2');
    expect(jobNowLine({ partsDone: 0, updatedAt: AT }, AT)).toBe('started');
    const long = jobNowLine({ partsDone: 0, step: 'x'.repeat(400), updatedAt: AT }, AT);
    expect(long.length).toBeLessThanOrEqual('now: '.length + 160);
    expect(long.endsWith('…')).toBe(true);
  });

  // issue 83, finding 4: a hand-over before the first part said nothing of when
  it("says the plan's estimate as the plan's until a part is timed, then the timed one as it is", () => {
    const now = { partsDone: 0, partsTotal: 2, updatedAt: AT, expectedAt: AT + 80_000 };
    expect(jobNowLine({ ...now, fromPlan: true }, AT)).toBe(
      "0 of 2 parts done; whole result expected in ~80 s (the plan's estimate; no part timed yet)",
    );
    expect(jobNowLine({ ...now, partsDone: 1, expectedAt: AT + 60_000 }, AT)).toBe(
      '1 of 2 parts done; whole result expected in ~60 s',
    );
  });

  it('carries the job in a structured result: its id, state, how far, when it moved and the seconds left', () => {
    expect(
      jobInfo(
        'job-1a2b3c4d',
        'running',
        { partsDone: 2, partsTotal: 8, step: 'part 3 of 8', updatedAt: AT, expectedAt: AT + 30_000 },
        AT,
      ),
    ).toEqual({
      id: 'job-1a2b3c4d',
      state: 'running',
      partsDone: 2,
      partsTotal: 8,
      step: 'part 3 of 8',
      updatedAt: new Date(AT).toISOString(),
      etaSeconds: 30,
    });
    expect(jobInfo('job-1a2b3c4d', 'done', undefined, AT)).toEqual({ id: 'job-1a2b3c4d', state: 'done', partsDone: 0 });
  });
});

describe('a kept result in one shape', () => {
  it('a plain call’s output and a task’s call result read alike: {text, structured}', () => {
    const plain = keptOutput({ text: 'the answer', structured: { model: 'm', text: 'the answer' } });
    const task = keptOutput({
      content: [{ type: 'text', text: 'the answer' }],
      structuredContent: { model: 'm', text: 'the answer' },
    });
    expect(plain).toEqual({ text: 'the answer', structured: { model: 'm', text: 'the answer' } });
    expect(task).toEqual(plain);
  });

  it('keeps text without structure, and is nothing for what is neither', () => {
    expect(keptOutput({ text: 'only text', structured: [1, 2] })).toEqual({ text: 'only text' });
    expect(
      keptOutput({
        content: [
          { type: 'image', data: 'x' },
          { type: 'text', text: 'a' },
        ],
      }),
    ).toEqual({ text: '\na' });
    expect(keptOutput('a string')).toBeUndefined();
    expect(keptOutput({ value: 1 })).toBeUndefined();
    expect(keptOutput(null)).toBeUndefined();
  });
});

// issue 83, finding 5: a stored result read as a fresh run
describe('a stored result in words', () => {
  it('says which job, when, not run again and how to run anew; its ledger line is not told again', () => {
    const text =
      'Three errors.\n\n— m: 1620 tokens in 121.8 s.\nSaved you ~155k tokens: this call cost you 1.7k, doing it yourself ~157k.';
    expect(storedText(text, 'job-1a2b3c4d', AT - 5 * 60_000, AT)).toBe(
      'Stored result of job job-1a2b3c4d from 11:55 UTC (5 min ago), not run again: the figures below are that ' +
        'run\'s. To run it anew, call show_status with {"cancelJob":"job-1a2b3c4d"} (it sets this result aside), ' +
        'then this call again.\n\nThree errors.\n\n— m: 1620 tokens in 121.8 s.',
    );
  });

  it('the other side: a text without a ledger line is kept whole', () => {
    const json = '{"errors":3}';
    expect(storedText(json, 'job-1a2b3c4d', AT - 40_000, AT)).toMatch(
      /\(40 s ago\), not run again: .*\n\n\{"errors":3\}$/s,
    );
  });
});
