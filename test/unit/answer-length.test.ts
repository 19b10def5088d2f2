/**
 * What an answer is expected to write (issue 73, Deliver 2): learned per task and model on a host
 * as its speeds are (generation/speed-learning.ts, answer-length.ts), kept across a restart, and —
 * for a task the model has not answered here — what other models wrote for it; a short prompt's
 * reading time teaches a floor of the prompt speed, so an answer replaces "not yet measured".
 */
import { describe, expect, it } from 'vitest';
import {
  learnSpeed,
  speedsAt,
  type SpeedBook,
  type SpeedSample,
} from '../../src/orchestrator/generation/speed-learning.js';
import { SpeedStore } from '../../src/orchestrator/stores/speeds.js';
import { tempDir } from '../helpers/temp.js';

const answer = (outputTokens: number, task: string, cut = false): SpeedSample => ({
  promptTokens: 2000,
  promptMs: 4000,
  outputTokens,
  generationMs: outputTokens * 50,
  cut,
  task,
});

describe('answer lengths per task', () => {
  it("are the model's own for the task asked, not every task's together", () => {
    let book: SpeedBook = {};
    for (const n of [60, 70, 80]) book = learnSpeed(book, 'h', 'm', answer(n, 'general'), 1);
    for (const n of [900, 1000, 1100]) book = learnSpeed(book, 'h', 'm', answer(n, 'code'), 1);
    expect(speedsAt(book, 'h', 'm', 'general')).toMatchObject({ answerTokens: 70, cutShare: 0 });
    expect(speedsAt(book, 'h', 'm', 'code')).toMatchObject({ answerTokens: 1000, cutShare: 0 });
  });

  it("for a task the model has not answered here, are other models' answers of that task on the host", () => {
    let book = learnSpeed({}, 'h', 'small', answer(90, 'general'), 1);
    book = learnSpeed(book, 'other-host', 'big', answer(5000, 'general'), 1);
    book = learnSpeed(book, 'h', 'big', answer(800, 'code'), 1);
    expect(speedsAt(book, 'h', 'big', 'general')).toMatchObject({ answerTokens: 90, tokensPerSecond: 20 });
    expect(speedsAt(book, 'h', 'never-used', 'general')).toEqual({ answerTokens: 90, cutShare: 0 });
  });

  it('keep where answers were cut, so a later larger limit expects that much, not the whole limit', () => {
    const book = learnSpeed({}, 'h', 'm', answer(16, 'general', true), 1);
    expect(speedsAt(book, 'h', 'm', 'general')).toMatchObject({ cutShare: 1, cutTokens: 16 });
  });

  it('are kept across a restart', async () => {
    const home = tempDir('ollm-lengths-');
    const a = new SpeedStore(home);
    await a.record('h', 'm', answer(60, 'general'));
    await a.record('h', 'm', answer(700, 'code'));
    const b = new SpeedStore(home);
    await b.load();
    expect(b.at('h', 'm', 'general')).toMatchObject({ answerTokens: 60 });
    expect(b.at('h', 'm', 'code')).toMatchObject({ answerTokens: 700 });
  });
});

describe('a short prompt', () => {
  it('teaches a floor of the prompt speed (a longer prompt reads at least as fast), until a long one is timed', () => {
    // the Lisbon question: 23 prompt tokens read in 10 ms — too few to time as a rate, but not nothing
    const short: SpeedSample = {
      promptTokens: 23,
      promptMs: 10,
      outputTokens: 60,
      generationMs: 150,
      cut: false,
      task: 'general',
    };
    const book = learnSpeed({}, 'h', 'm', short, 1);
    expect(speedsAt(book, 'h', 'm', 'general')).toMatchObject({
      promptFloorTokensPerSecond: 2300,
      tokensPerSecond: 400,
    });
    expect(speedsAt(book, 'h', 'm').promptTokensPerSecond).toBeUndefined();
    const timed = learnSpeed(book, 'h', 'm', { ...short, promptTokens: 2000, promptMs: 4000 }, 2);
    expect(speedsAt(timed, 'h', 'm')).toMatchObject({ promptTokensPerSecond: 500 });
    expect(speedsAt(timed, 'h', 'm').promptFloorTokensPerSecond).toBeUndefined();
  });
});
