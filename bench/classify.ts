/**
 * Task inference benchmark: accuracy of classify() per task on the labelled prompts of
 * test/unit/classify-table.ts, with every miss listed. Goal: at least 95% overall.
 */
import { classify } from '../src/orchestrator/generation/classify.js';
import { TASK_TYPES, type TaskType } from '../src/orchestrator/models/profiles.js';
import { CLASSIFY_TABLE, type LabelledPrompt } from '../test/unit/classify-table.js';

export const CLASSIFY_GOAL = 0.95;

export interface ClassifyScore {
  total: number;
  correct: number;
  byTask: Map<TaskType, { total: number; correct: number }>;
  misses: Array<{ row: LabelledPrompt; got: TaskType; why: string }>;
}

export function scoreClassify(rows: readonly LabelledPrompt[] = CLASSIFY_TABLE): ClassifyScore {
  const byTask = new Map<TaskType, { total: number; correct: number }>(TASK_TYPES.map((t) => [t, { total: 0, correct: 0 }]));
  const misses: ClassifyScore['misses'] = [];
  for (const row of rows) {
    const got = classify({ prompt: row.prompt, ...(row.system && { system: row.system }), ...(row.images && { images: row.images }) });
    const tally = byTask.get(row.task)!;
    tally.total++;
    if (got.task === row.task) tally.correct++;
    else misses.push({ row, got: got.task, why: got.why });
  }
  return { total: rows.length, correct: rows.length - misses.length, byTask, misses };
}

const pct = (n: number, d: number) => `${d ? ((100 * n) / d).toFixed(1) : '—'}%`;
const oneLine = (s: string) => (s.length > 90 ? `${s.slice(0, 87)}…` : s).replace(/\s+/g, ' ');

/** One line per miss: the expected task, what classify said and why, and the prompt's start. */
export function describeMisses(score: ClassifyScore): string[] {
  return score.misses.map((m) => `${m.row.task} → ${m.got} (${m.why}): ${oneLine(m.row.prompt)}`);
}

export async function benchClassify(): Promise<{ ok: boolean; lines: string[] }> {
  const t = performance.now();
  const score = scoreClassify();
  const ms = performance.now() - t;
  const overall = score.correct / score.total;
  const ok = overall >= CLASSIFY_GOAL;
  return {
    ok,
    lines: [
      `classify: ${score.total} labelled prompts, ${(ms / score.total).toFixed(3)} ms each`,
      ...[...score.byTask].map(([task, s]) => `classify: ${task.padEnd(10)} ${String(s.correct).padStart(3)}/${String(s.total).padEnd(3)} ${pct(s.correct, s.total)}`),
      ...describeMisses(score).map((l) => `classify: miss ${l}`),
      `classify: overall ${score.correct}/${score.total} ${pct(score.correct, score.total)} (goal ≥ ${CLASSIFY_GOAL * 100}%) ${ok ? 'OK' : 'MISSED'}`,
    ],
  };
}
