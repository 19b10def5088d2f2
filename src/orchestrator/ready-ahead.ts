/**
 * What a started server's first call would otherwise pay for, done while the server waits for it:
 * the classifier's patterns compiled (V8 compiles a regular expression the first time it runs it:
 * ~150 ms of a first call's ~350 on a 2-core machine) and the state database opened. Each step runs
 * in a turn of its own once the server has been idle a moment, so a call that comes meanwhile waits
 * at most one step (and shares the database's opening). OLLM_READY_AHEAD=0 leaves all of it to the
 * first call (for measuring: `npm run bench -- first-call`).
 */
import { classify } from './generation/classify.js';
import { stateDb } from './storage/db.js';
import { log } from './util/log.js';

/** Prompts that run through every pattern set: one no pattern claims, a greeting, a lookup. */
const SAMPLES = [
  'Tell me about the morning weather report, please, in plain words.\nThank you.',
  'hi',
  'What is the capital of France?',
];
/** How long a started server waits before it begins: its own start-up's last turns first. */
export const READY_AHEAD_DELAY_MS = 50;

/** Starts getting ready for the first call; the function returned stops what has not run yet. */
export function readyAhead(home: string, env: NodeJS.ProcessEnv = process.env): () => void {
  if (env.OLLM_READY_AHEAD === '0') return () => undefined;
  const steps: Array<() => void> = [
    ...SAMPLES.map((prompt) => () => void classify({ prompt, system: prompt })),
    () =>
      void stateDb(home).catch((err: unknown) =>
        log.debug(`ready ahead: the state database: ${err instanceof Error ? err.message : String(err)}`),
      ),
  ];
  let stopped = false;
  let next: NodeJS.Immediate | undefined;
  const step = () => {
    next = undefined;
    if (stopped) return;
    steps.shift()?.();
    // kept referenced: an unreferenced immediate waits for the next wake of the loop (a timer, a read)
    if (steps.length > 0) next = setImmediate(step);
  };
  const timer = setTimeout(step, READY_AHEAD_DELAY_MS).unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (next) clearImmediate(next);
  };
}
