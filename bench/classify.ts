/**
 * Task inference benchmark: accuracy of classify() per task on two labelled sets, with every miss
 * listed. The tuned set (test/unit/classify-table*.ts) is what the rules were written against, so
 * it flatters them (goal: at least 99%); the fresh set (test/unit/classify-fresh.ts and
 * classify-holdout.ts) was written and labelled apart from the rules, so it is the honest figure
 * for prompts classify() has not seen (goal: at least 95%).
 */
import { classify } from '../src/orchestrator/generation/classify.js';
import { TASK_TYPES, type TaskType } from '../src/orchestrator/config/profiles.js';
import { CLASSIFY_TABLE, type LabelledPrompt } from '../test/unit/classify-table.js';
import { FRESH_SET } from '../test/unit/classify-fresh.js';

/** The least accuracy on the tuned set, and on the fresh set. */
export const CLASSIFY_GOAL = 0.99;
export const FRESH_GOAL = 0.95;

export interface ClassifyScore {
  total: number;
  correct: number;
  byTask: Map<TaskType, { total: number; correct: number }>;
  misses: Array<{ row: LabelledPrompt; got: TaskType; why: string }>;
}

export function scoreClassify(rows: readonly LabelledPrompt[] = CLASSIFY_TABLE): ClassifyScore {
  const byTask = new Map<TaskType, { total: number; correct: number }>(
    TASK_TYPES.map((t) => [t, { total: 0, correct: 0 }]),
  );
  const misses: ClassifyScore['misses'] = [];
  for (const row of rows) {
    const got = classify({
      prompt: row.prompt,
      ...(row.system && { system: row.system }),
      ...(row.images && { images: row.images }),
    });
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

/** Per task, each miss, then the overall line for one set. */
function report(name: string, score: ClassifyScore, goal: number, note: string): { ok: boolean; lines: string[] } {
  const ok = score.correct / score.total >= goal;
  return {
    ok,
    lines: [
      ...[...score.byTask].map(
        ([task, s]) =>
          `classify: ${name} ${task.padEnd(10)} ` +
          `${String(s.correct).padStart(3)}/${String(s.total).padEnd(3)} ${pct(s.correct, s.total)}`,
      ),
      ...describeMisses(score).map((l) => `classify: ${name} miss ${l}`),
      `classify: ${name} set ${score.correct}/${score.total} ${pct(score.correct, score.total)} ` +
        `(goal ≥ ${goal * 100}%) ${ok ? 'OK' : 'MISSED'} — ${note}`,
    ],
  };
}

export async function benchClassify(): Promise<{ ok: boolean; lines: string[] }> {
  const t = performance.now();
  const tuned = scoreClassify(CLASSIFY_TABLE);
  const fresh = scoreClassify(FRESH_SET);
  const ms = performance.now() - t;
  const a = report(
    'tuned',
    tuned,
    CLASSIFY_GOAL,
    'the prompts the rules were written against (test/unit/classify-table*.ts): flattering',
  );
  const b = report(
    'fresh',
    fresh,
    FRESH_GOAL,
    'prompts written and labelled apart from the rules (test/unit/classify-fresh.ts, ' +
      'classify-holdout.ts): the honest figure while no rule is tuned to them',
  );
  return {
    ok: a.ok && b.ok,
    lines: [
      `classify: ${tuned.total + fresh.total} labelled prompts, ` +
        `${(ms / (tuned.total + fresh.total)).toFixed(3)} ms each`,
      ...a.lines,
      ...b.lines,
    ],
  };
}
