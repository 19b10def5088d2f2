/**
 * Repetition that was in what the model was sent is not the model's loop (issue 54, finding 7):
 * a template repeating "hi" 660 times — glued into one word or as words —, echoed back, is an
 * answer; the same run the prompt never had, or one running on past what was sent, is a loop.
 */
import { describe, expect, it } from 'vitest';
import { degenerate } from '../../src/orchestrator/generation/degenerate.js';
import { holdsRun } from '../../src/orchestrator/generation/given-repeat.js';

const sent = (prompt: string, ...more: string[]) => ({ texts: [prompt, ...more], ask: prompt });
const stopped = (prompt: string, ...more: string[]) => ({ doneReason: 'stop', given: sent(prompt, ...more) });
const toLimit = (prompt: string, ...more: string[]) => ({ doneReason: 'length', given: sent(prompt, ...more) });

describe('holdsRun: the texts sent repeat the unit that many times in a row', () => {
  it('glued into one word, compared lower-cased', () => {
    expect(holdsRun(sent('hi'.repeat(660)), 'hi', 660, true)).toBe(true);
    expect(holdsRun(sent(`Say ${'Hi'.repeat(5)}`), 'hI', 5, true)).toBe(true);
    expect(holdsRun(sent('hi'.repeat(5)), 'hi', 6, true)).toBe(false); // fewer than that
    expect(holdsRun(sent('hi hi hi hi hi hi'), 'hi', 2, true)).toBe(false); // words, not glued
  });

  it('as words, whatever stands between them', () => {
    expect(holdsRun(sent('x', 'hi, hi; hi\nhi'), 'hi', 4, false)).toBe(true);
    expect(holdsRun(sent('I am a cat. I am a cat. I am a cat.'), 'I am a cat.', 3, false)).toBe(true);
    expect(holdsRun(sent('I am a cat. I am a cat. I am a dog.'), 'I am a cat.', 3, false)).toBe(false);
    expect(holdsRun(sent('hi hi hi'), 'hi', 4, false)).toBe(false);
    expect(holdsRun(sent('his hi hi'), 'hi', 3, false)).toBe(false); // whole words only
    expect(holdsRun(sent('thi hi hi'), 'hi', 3, false)).toBe(false);
    expect(holdsRun(sent('hi hi his'), 'hi', 3, false)).toBe(false);
    expect(holdsRun(sent('(hi hi hi)'), 'hi', 3, false)).toBe(true);
    // written as the unit is, or not
    expect(holdsRun(sent('x: I am a cat. I am a cat.\nI am a cat.'), 'I am a cat.', 3, false)).toBe(true);
    expect(holdsRun(sent('===='), '=', 4, false)).toBe(false); // no word at all
    expect(holdsRun(sent('hi'), 'hi', 0, false)).toBe(false);
  });

  it('a run that starts inside an earlier, shorter one, or across its end, is found', () => {
    expect(holdsRun(sent('a b a b a a b a a b a'), 'a b a', 3, false)).toBe(true); // from the third word
    expect(holdsRun(sent('a b a b a a b a a b a'), 'a b a', 4, false)).toBe(false);
    expect(holdsRun(sent('a b a b c a b a b a b'), 'a b', 3, false)).toBe(true);
    expect(holdsRun(sent('a b a b c a b a b a b'), 'a b', 4, false)).toBe(false);
  });

  it('marks between the repetitions other than one space or line: read word by word, from wherever the run starts', () => {
    expect(holdsRun(sent('xy hi, hi, hi'), 'hi', 3, false)).toBe(true); // after a word of two letters
    expect(holdsRun(sent('xy hi, hi, hi'), 'hi', 4, false)).toBe(false);
    // from the third word, inside the first run
    expect(holdsRun(sent('a, b, a, b, a, a, b, a, a, b, a'), 'a b a', 3, false)).toBe(true);
    expect(holdsRun(sent('a, b, a, b, a, a, b, a, a, b, a'), 'a b a', 4, false)).toBe(false);
  });

  it('a unit of words is never found glued into one word, nor a unit with no word between spaces or lines', () => {
    expect(holdsRun(sent('hihihihi'), 'hi', 4, false)).toBe(false);
    expect(holdsRun(sent('hi hi hi hi'), 'hi', 4, false)).toBe(true);
    expect(holdsRun(sent('= = = ='), '=', 4, false)).toBe(false);
    expect(holdsRun(sent('=\n=\n=\n='), '=', 4, false)).toBe(false);
  });

  it('a unit whose words are a shorter group repeated counts that group', () => {
    expect(holdsRun(sent('hi hi hi hi hi hi'), 'hi. hi!', 3, false)).toBe(true);
    expect(holdsRun(sent('hi hi hi hi hi'), 'hi. hi!', 3, false)).toBe(false);
    expect(holdsRun(sent('x hi; hi, hi; hi, hi; hi'), 'hi. hi!', 3, false)).toBe(true); // word by word
    expect(holdsRun(sent('x hi; hi, hi; hi, hi'), 'hi. hi!', 3, false)).toBe(false);
  });

  it('finds what reading the whole text as words finds, on texts of a few words and marks', () => {
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]) => xs[next(xs.length)]!;
    const words = ['a', 'b', 'ab', 'A'];
    const marks = [' ', ', ', '. ', '\n', '-'];
    for (let k = 0; k < 2000; k++) {
      const text = Array.from({ length: 4 + next(20) }, () => pick(words) + pick(marks)).join('');
      const unit = Array.from({ length: 1 + next(3) }, () => pick(words)).join(' ');
      const times = 1 + next(4);
      const unitWords = unit.toLowerCase();
      const naive = ` ${text
        .toLowerCase()
        .replace(/[^a-z]+/g, ' ')
        .trim()} `.includes(` ${Array(times).fill(unitWords).join(' ')} `);
      expect(holdsRun(sent(text), unit, times, false), `${JSON.stringify(text)} ${unit} ×${times}`).toBe(naive);
    }
  });
});

describe("degenerate: the prompt's own repetition is not held against the answer", () => {
  const glued660 = 'hi'.repeat(660);
  const spaced660 = 'hi '.repeat(660).trim();

  it('a template of "hi" glued 660 times, echoed: kept; the same answer to a prompt without the run is a loop', () => {
    expect(degenerate(glued660, stopped(glued660))).toBeUndefined();
    expect(degenerate(glued660, stopped(`Repeat this exactly:\n${glued660}`, 'You are terse.'))).toBeUndefined();
    expect(degenerate(glued660, stopped('Say hi.'))).toEqual({ kind: 'loop', unit: 'hi', times: 660 });
    // glued twice is a word, not a run
    expect(degenerate(glued660, stopped('Say hihi.'))).toEqual({ kind: 'loop', unit: 'hi', times: 660 });
  });

  it(
    "stopped by itself, a glued unit the prompt glues four times (a loop's least) is kept, " +
      'however long the answer; three times is a word',
    () => {
      expect(degenerate(glued660, stopped('Say hihihihi.'))).toBeUndefined();
      expect(degenerate(glued660, stopped('Say hihihi.'))).toEqual({ kind: 'loop', unit: 'hi', times: 660 });
    },
  );

  it('a run in the system prompt or the inputs counts as sent', () => {
    expect(
      degenerate(glued660, stopped('Do as the system prompt says.', `Always answer with ${glued660}`)),
    ).toBeUndefined();
    expect(degenerate(glued660, stopped('Copy the file.', `file.txt:\n${glued660}\n`))).toBeUndefined();
  });

  it('"hi" as words 660 times: kept when sent, or asked for by count', () => {
    expect(degenerate(spaced660, stopped(spaced660))).toBeUndefined();
    expect(degenerate(spaced660, stopped('Say hi 660 times.'))).toBeUndefined();
    expect(degenerate(glued660, stopped('Say hi 660 times with no spaces.'))).toBeUndefined();
    expect(degenerate(glued660, stopped('Say hi 600 times with no spaces.'))).toEqual({
      kind: 'loop',
      unit: 'hi',
      times: 660,
    });
  });

  it("stopped by the length limit while echoing a run at least as long as the answer's: kept", () => {
    const prompt = `Repeat the text: ${'hi '.repeat(5000)}`;
    expect(degenerate(spaced660, toLimit(prompt))).toBeUndefined();
    expect(degenerate(glued660, toLimit('hi'.repeat(5000)))).toBeUndefined();
  });

  it('stopped by the length limit running past what was sent, or repeating what it was sent once: a loop', () => {
    expect(degenerate(spaced660, toLimit(`Repeat: ${'hi '.repeat(659)}`))).toEqual({
      kind: 'loop',
      unit: 'hi',
      times: 660,
    });
    expect(degenerate(glued660, toLimit('hi'.repeat(659)))).toEqual({ kind: 'loop', unit: 'hi', times: 660 });
    expect(degenerate(spaced660, toLimit('Say hi 660 times.'))).toEqual({ kind: 'loop', unit: 'hi', times: 660 });
  });

  it('a sentence the prompt never had, hundreds of times, is a loop however it ended', () => {
    const loop = 'The answer is in the file. '.repeat(300);
    const prompt = `Summarise: ${'hi '.repeat(700)}`;
    expect(degenerate(loop, stopped(prompt))).toEqual({ kind: 'loop', unit: 'The answer is in the file.', times: 300 });
    expect(degenerate(loop, toLimit(prompt))).toEqual({ kind: 'loop', unit: 'The answer is in the file.', times: 300 });
  });
});
