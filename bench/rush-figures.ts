/**
 * What `npm run bench -- rush` (bench/rush.ts) prints of its two runs, and whether the goals of issue 82 hold:
 * two hosts at ≤ 0.55× one host's time, the file questions' p90 within the clients' limit (two hosts), no reload
 * of a loaded model from under another agent using it and no forced eviction on any host, every answer whole,
 * nothing computed twice, no call failed (in both runs).
 */
import type { GenerationRecord } from '../test/fake-ollama/server.js';
import type { Walk } from './long-call-agent.js';
import { computedTwice, isWhole, type Agent, type RushJob } from './rush-scenario.js';

const GOAL_RATIO = 0.55;

export interface Timing {
  scale: number;
  tokenDelayMs: number;
  promptTokenDelayMs: number;
  loadMsPerGB: number;
  /** When the clients cut a call (s). */
  patienceSeconds: number;
  /** What the settings tell the server of it: answered by 90% of patienceSeconds despite the 5 s least margin. */
  settingSeconds: number;
}

/** A reload of a loaded model, as the engine's records tell it (rush.ts reloadOf). */
export interface ReloadFigure {
  line: string;
  /** Another agent's request ran on the model there, or was answered within the minute before. */
  fromUnder: boolean;
}

export interface HostFigures {
  name: string;
  /** Loads of each model on the host (reloads included). */
  loads: Record<string, number>;
  /** When each model first answered on it (s from the rush's start). */
  firstAnswerAt: Record<string, number>;
  /** Loads of a model already loaded there: the options that changed, the request, whether from under another. */
  reloads: ReloadFigure[];
  /** Models the engine unloaded on its own to make room. */
  evictions: string[];
  /** Generations it ran. */
  requests: number;
}

export interface Run {
  seconds: number;
  jobs: Array<{ job: RushJob; walk: Walk }>;
  hosts: HostFigures[];
  generations: GenerationRecord[];
}

interface Judged {
  /** Each file question's time, sent to answer read (s; Infinity: never whole). */
  fileSeconds: number[];
  whole: number;
  twice: string[];
  failed: number;
  handOvers: string[];
  reloads: number;
  /** Reloads from under another agent using the model (the goal: 0). */
  fromUnder: number;
  evictions: number;
}

/** The nearest-rank percentile: of 9 file questions, the p90 is the slowest. */
const nearestRank = (xs: number[], p: number) =>
  xs.length === 0 ? Infinity : [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(p * xs.length) - 1)]!;

function judge(run: Run, label: string): Judged {
  const calls = run.jobs.flatMap((j) => j.walk.calls.map((c) => ({ tag: j.job.tag, c })));
  return {
    fileSeconds: run.jobs.filter((j) => j.job.kind === 'file').map((j) => j.walk.wholeAtSeconds ?? Infinity),
    whole: run.jobs.filter((j) => isWhole(j.job, j.walk.whole, run.generations)).length,
    twice: computedTwice(run.generations).map((w) => `${label}${w}`),
    // a call the client cut (its answer lost), or answered with an error
    failed: calls.filter(({ c }) => c.got.startsWith('no answer') || c.got.startsWith('an error')).length,
    handOvers: calls
      .filter(({ c }) => c.got.startsWith('handed over'))
      .map(({ tag, c }) => `${label}${tag} ${c.name} after ${c.tookSeconds.toFixed(1)} s`),
    reloads: run.hosts.reduce((n, h) => n + h.reloads.length, 0),
    fromUnder: run.hosts.reduce((n, h) => n + h.reloads.filter((r) => r.fromUnder).length, 0),
    evictions: run.hosts.reduce((n, h) => n + h.evictions.length, 0),
  };
}

/** Every run of a mode judged as one: its counts summed, its file questions pooled. */
function judgeAll(runs: Run[]): Judged {
  const each = runs.map((r, i) => judge(r, runs.length > 1 ? `run ${i + 1}: ` : ''));
  const sum = (f: (j: Judged) => number) => each.reduce((n, j) => n + f(j), 0);
  return {
    fileSeconds: each.flatMap((j) => j.fileSeconds),
    whole: sum((j) => j.whole),
    twice: each.flatMap((j) => j.twice),
    failed: sum((j) => j.failed),
    handOvers: each.flatMap((j) => j.handOvers),
    reloads: sum((j) => j.reloads),
    fromUnder: sum((j) => j.fromUnder),
    evictions: sum((j) => j.evictions),
  };
}

/** The run of median time. */
const median = (runs: Run[]) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;

const ok = (b: boolean) => (b ? 'OK' : 'MISSED');

function hostLine(mode: string, h: HostFigures, scale: number): string {
  const loads = Object.entries(h.loads)
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  const first = Object.entries(h.firstAnswerAt)
    .map(([m, s]) => `${m} at ${s.toFixed(1)} s (${(s / scale).toFixed(0)} s)`)
    .join(', ');
  return (
    `rush:   ${mode}, host ${h.name}: ${h.requests} requests; loads ${loads}; first answers ${first || 'none'}; ` +
    `reloads of a loaded model ${h.reloads.length}${h.reloads.length ? ` (${h.reloads.map((r) => r.line).join('; ')})` : ''}; ` +
    `forced evictions ${h.evictions.length}${h.evictions.length ? ` (${h.evictions.join('; ')})` : ''}`
  );
}

/** The figures of both modes' runs, and whether every goal held (the time by the medians, the rest in every run). */
export function rushLines(o: { ones: Run[]; twos: Run[]; agents: Agent[]; seed: number; timing: Timing }): {
  ok: boolean;
  lines: string[];
} {
  const { ones, twos, timing: t } = o;
  const [a, b] = [judgeAll(ones), judgeAll(twos)];
  const n = ones.length;
  const jobs = o.agents.reduce((k, ag) => k + ag.jobs.length, 0) * n;
  const [one, two] = [median(ones).seconds, median(twos).seconds];
  const ratio = two / one;
  const at = (s: number) => `${s.toFixed(1)} s (${(s / t.scale).toFixed(0)} s)`;
  const [p90a, p90b] = [nearestRank(a.fileSeconds, 0.9), nearestRank(b.fileSeconds, 0.9)];
  const fast = ratio <= GOAL_RATIO;
  const patient = p90b <= t.patienceSeconds;
  // a reload from under another agent using the model is the harm (issue 82, finding 3); an idle copy only its asker
  // used is reloaded wider when splitting to its window would take longer, said in the result (route/window-cost.ts)
  const engines = a.fromUnder + b.fromUnder === 0 && a.evictions + b.evictions === 0;
  const answered = a.whole === jobs && b.whole === jobs && a.failed + b.failed === 0;
  const once = a.twice.length + b.twice.length === 0;
  // issue 82 is open: the time and the file questions' p90 are printed and judged by name, not yet by the check
  // (npm run bench -- check), where a miss is a red build; what holds today is: every answer whole, no call failed,
  // no reload from under another agent, no forced eviction, nothing computed twice (1–3 a run until the fake's
  // combinations followed what they combined: round 3 had read word for word what round 2 did)
  const checking = process.env.OLLM_BENCH_CHECK === '1';
  const open = checking ? ' (issue 82, open: not judged by the check)' : '';
  const list = (xs: string[]) => (xs.length ? ` (${xs.join('; ')})` : '');
  const times = (runs: Run[]) => runs.map((r) => r.seconds.toFixed(1)).join(', ');
  const label = (mode: string, i: number) => (n > 1 ? `${mode}, run ${i + 1}` : mode);
  const lines = [
    `rush: ${o.agents.length} agents (${o.agents.map((ag) => `${ag.name}: ${ag.fileBytes / 1000} KB log`).join(', ')}) ` +
      `× 10 jobs (6 quick, 3 over its log by path, 1 comparison), seed ${o.seed}; time × ${t.scale} (issue's scale in ` +
      `brackets): a token ${t.tokenDelayMs} ms, ${t.promptTokenDelayMs.toFixed(3)} s per 1,000 prompt tokens, ` +
      `${t.loadMsPerGB / 1000} s a GB loaded, clients cut calls at ${t.patienceSeconds} s (settings: ` +
      `timeoutSeconds ${t.settingSeconds})${n > 1 ? `; ${n} runs of each, interleaved, the median times` : ''}`,
    `rush: one host ${at(one)}, two hosts ${at(two)} = ${ratio.toFixed(2)}× (goal ≤ ${GOAL_RATIO}×) ${ok(fast)}${open}` +
      (n > 1 ? `; every run (s): one host ${times(ones)}, two hosts ${times(twos)}` : ''),
    `rush: file questions' p90 (sent to answer read): one host ${at(p90a)}, two hosts ${at(p90b)} against ` +
      `the clients' ${t.patienceSeconds} s (goal within, two hosts) ${ok(patient)}${open}`,
    ...ones.flatMap((r, i) => r.hosts.map((h) => hostLine(label('one host', i), h, t.scale))),
    ...twos.flatMap((r, i) => r.hosts.map((h) => hostLine(label('two hosts', i), h, t.scale))),
    `rush: reloads of a loaded model ${a.reloads} and ${b.reloads}, from under another agent using it ` +
      `${a.fromUnder} and ${b.fromUnder}, forced evictions ${a.evictions} and ${b.evictions} (one host and two; ` +
      `goal: 0 from under another, 0 evictions; the others an idle copy only its asker used, reloaded wider when ` +
      `splitting to its window would take longer) ${ok(engines)}`,
    `rush: hand-overs: one host ${a.handOvers.length}${list(a.handOvers)}; two hosts ${b.handOvers.length}` +
      list(b.handOvers),
    `rush: answers whole ${a.whole}/${jobs} and ${b.whole}/${jobs}, failed calls ${a.failed} and ${b.failed} ` +
      `(goal all, 0) ${ok(answered)}`,
    `rush: computed twice ${a.twice.length} and ${b.twice.length}` +
      `${list([...a.twice.map((w) => `one host: ${w}`), ...b.twice.map((w) => `two: ${w}`)])} (goal 0) ${ok(once)}`,
    ...[...ones, ...twos]
      .flatMap((r) => r.jobs)
      .filter((j) => j.walk.stopped)
      .slice(0, 3)
      .map((j) => `rush:   ${j.job.tag} stopped: ${j.walk.stopped!.slice(0, 200)}`),
  ];
  return { ok: engines && answered && once && (checking || (fast && patient)), lines };
}
