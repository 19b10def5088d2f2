import { describe, expect, it } from 'vitest';
import { CLASSIFY_GOAL, describeMisses, FRESH_GOAL, scoreClassify } from '../../bench/classify.js';
import { classify } from '../../src/orchestrator/generation/classify.js';
import { TASK_TYPES } from '../../src/orchestrator/config/profiles.js';
import { FRESH_SET } from './classify-fresh.js';
import { CLASSIFY_TABLE, type LabelledPrompt } from './classify-table.js';

/**
 * Two labelled sets: the tuned one (classify-table*.ts), which the rules were written against, and
 * the fresh one (classify-fresh.ts, classify-holdout.ts), written and labelled apart from the rules
 * — the honest measure of prompts classify() has not seen.
 */
const sets: Array<[string, readonly LabelledPrompt[], number, number]> = [
  ['the tuned set', CLASSIFY_TABLE, 200, CLASSIFY_GOAL],
  ['the fresh set', FRESH_SET, 300, FRESH_GOAL],
];

describe.each(sets)('task inference on %s', (_name, rows, size, goal) => {
  const score = scoreClassify(rows);

  it('is large and covers every task, with images exactly on the vision rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(size);
    for (const task of TASK_TYPES)
      expect(rows.filter((r) => r.task === task).length, task).toBeGreaterThanOrEqual(task === 'vision' ? 10 : 25);
    for (const row of rows) expect((row.images ?? 0) > 0, row.prompt).toBe(row.task === 'vision');
  });

  it(`is right on at least ${goal * 100}% of them`, () => {
    const accuracy = score.correct / score.total;
    // on failure the message lists every miss: expected → got (why): prompt
    expect(
      accuracy,
      `${(accuracy * 100).toFixed(1)}% — misses:\n${describeMisses(score).join('\n')}`,
    ).toBeGreaterThanOrEqual(goal);
  });

  it('no kind of work falls far behind', () => {
    for (const [task, s] of score.byTask)
      expect(s.correct / s.total, `${task}: ${s.correct}/${s.total}`).toBeGreaterThanOrEqual(0.9);
  });

  it('explains every answer in one short clause', () => {
    for (const row of rows) {
      const { why } = classify({
        prompt: row.prompt,
        ...(row.system && { system: row.system }),
        ...(row.images && { images: row.images }),
      });
      expect(why.length, row.prompt).toBeGreaterThan(0);
      expect(why, row.prompt).not.toMatch(/\n/);
    }
  });
});

describe('the fresh set', () => {
  it('shares no prompt with the tuned set', () => {
    const tuned = new Set(CLASSIFY_TABLE.map((r) => r.prompt.trim().toLowerCase()));
    expect(FRESH_SET.filter((r) => tuned.has(r.prompt.trim().toLowerCase())).map((r) => r.prompt)).toEqual([]);
  });
});
