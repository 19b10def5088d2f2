import { describe, expect, it } from 'vitest';
import { CLASSIFY_GOAL, describeMisses, scoreClassify } from '../../bench/classify.js';
import { classify } from '../../src/orchestrator/generation/classify.js';
import { TASK_TYPES } from '../../src/orchestrator/models/profiles.js';
import { CLASSIFY_TABLE } from './classify-table.js';

describe('task inference on the labelled prompts', () => {
  const score = scoreClassify(CLASSIFY_TABLE);

  it('the table is large and covers every task, with images exactly on the vision rows', () => {
    expect(CLASSIFY_TABLE.length).toBeGreaterThanOrEqual(200);
    for (const task of TASK_TYPES) expect(CLASSIFY_TABLE.filter((r) => r.task === task).length, task).toBeGreaterThanOrEqual(task === 'vision' ? 10 : 25);
    for (const row of CLASSIFY_TABLE) expect((row.images ?? 0) > 0, row.prompt).toBe(row.task === 'vision');
  });

  it(`is right on at least ${CLASSIFY_GOAL * 100}% of them`, () => {
    const accuracy = score.correct / score.total;
    // on failure the message lists every miss: expected → got (why): prompt
    expect(accuracy, `${(accuracy * 100).toFixed(1)}% — misses:\n${describeMisses(score).join('\n')}`).toBeGreaterThanOrEqual(CLASSIFY_GOAL);
  });

  it('no kind of work falls far behind', () => {
    for (const [task, s] of score.byTask) expect(s.correct / s.total, `${task}: ${s.correct}/${s.total}`).toBeGreaterThanOrEqual(0.9);
  });

  it('explains every answer in one short clause', () => {
    for (const row of CLASSIFY_TABLE) {
      const { why } = classify({ prompt: row.prompt, ...(row.system && { system: row.system }), ...(row.images && { images: row.images }) });
      expect(why.length, row.prompt).toBeGreaterThan(0);
      expect(why, row.prompt).not.toMatch(/\n/);
    }
  });
});
