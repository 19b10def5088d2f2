/**
 * What `npm run bench -- rush` (bench/rush.ts) prints of its two runs, and whether the goals of issue 82 hold:
 * two hosts at ≤ 0.55× one host's time, the file questions' p90 within the clients' limit (two hosts), no reload
 * of a loaded model and no forced eviction on any host, every answer whole, nothing computed twice, no call
 * failed (in both runs).
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

export interface HostFigures {
  name: string;
  /** Loads of each model on the host (reloads included). */
  loads: Record<string, number>;
  /** When each model first answered on it (s from the rush's start). */
  firstAnswerAt: Record<string, number>;
  /** Loads of a model already loaded there, with the options that changed. */
  reloads: string[];
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
  fileP90: number;
  whole: number;
  twice: string[];
  failed: number;
  handOvers: string[];
  reloads: number;
  evictions: number;
}

/** The nearest-rank percentile: of 9 file questions, the p90 is the slowest. */
const nearestRank = (xs: number[], p: number) =>
  xs.length === 0 ? Infinity : [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(p * xs.length) - 1)]!;

function judge(run: Run): Judged {
  const files = run.jobs.filter((j) => j.job.kind === 'file');
  const calls = run.jobs.flatMap((j) => j.walk.calls.map((c) => ({ tag: j.job.tag, c })));
  return {
    fileP90: nearestRank(
      files.map((j) => j.walk.wholeAtSeconds ?? Infinity),
      0.9,
    ),
    whole: run.jobs.filter((j) => isWhole(j.job, j.walk.whole, run.generations)).length,
    twice: computedTwice(run.generations),
    // a call the client cut (its answer lost), or answered with an error
    failed: calls.filter(({ c }) => c.got.startsWith('no answer') || c.got.startsWith('an error')).length,
    handOvers: calls
      .filter(({ c }) => c.got.startsWith('handed over'))
      .map(({ tag, c }) => `${tag} ${c.name} after ${c.tookSeconds.toFixed(1)} s`),
    reloads: run.hosts.reduce((n, h) => n + h.reloads.length, 0),
    evictions: run.hosts.reduce((n, h) => n + h.evictions.length, 0),
  };
}

const ok = (b: boolean) => (b ? 'OK' : 'MISSED');
const twiceWhat = (one: string[], two: string[]) =>
  one.length + two.length
    ? ` (${[...one.map((w) => `one host: ${w}`), ...two.map((w) => `two: ${w}`)].join('; ')})`
    : '';

function hostLine(mode: string, h: HostFigures, scale: number): string {
  const loads = Object.entries(h.loads)
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  const first = Object.entries(h.firstAnswerAt)
    .map(([m, s]) => `${m} at ${s.toFixed(1)} s (${(s / scale).toFixed(0)} s)`)
    .join(', ');
  return (
    `rush:   ${mode}, host ${h.name}: ${h.requests} requests; loads ${loads}; first answers ${first || 'none'}; ` +
    `reloads of a loaded model ${h.reloads.length}${h.reloads.length ? ` (${h.reloads.join('; ')})` : ''}; ` +
    `forced evictions ${h.evictions.length}${h.evictions.length ? ` (${h.evictions.join('; ')})` : ''}`
  );
}

/** The figures of both runs, and whether every goal held. */
export function rushLines(o: { one: Run; two: Run; agents: Agent[]; seed: number; timing: Timing }): {
  ok: boolean;
  lines: string[];
} {
  const { one, two, timing: t } = o;
  const [a, b] = [judge(one), judge(two)];
  const jobs = o.agents.reduce((n, ag) => n + ag.jobs.length, 0);
  const ratio = two.seconds / one.seconds;
  const at = (s: number) => `${s.toFixed(1)} s (${(s / t.scale).toFixed(0)} s)`;
  const fast = ratio <= GOAL_RATIO;
  const patient = b.fileP90 <= t.patienceSeconds;
  const engines = a.reloads + b.reloads === 0 && a.evictions + b.evictions === 0;
  const answered =
    a.whole === jobs && b.whole === jobs && a.twice.length + b.twice.length === 0 && a.failed + b.failed === 0;
  const lines = [
    `rush: ${o.agents.length} agents (${o.agents.map((ag) => `${ag.name}: ${ag.fileBytes / 1000} KB log`).join(', ')}) ` +
      `× 10 jobs (6 quick, 3 over its log by path, 1 comparison), seed ${o.seed}; time × ${t.scale} (issue's scale in ` +
      `brackets): a token ${t.tokenDelayMs} ms, ${t.promptTokenDelayMs.toFixed(3)} s per 1,000 prompt tokens, ` +
      `${t.loadMsPerGB / 1000} s a GB loaded, clients cut calls at ${t.patienceSeconds} s (settings: ` +
      `timeoutSeconds ${t.settingSeconds})`,
    `rush: one host ${at(one.seconds)}, two hosts ${at(two.seconds)} = ${ratio.toFixed(2)}× (goal ≤ ${GOAL_RATIO}×) ${ok(fast)}`,
    `rush: file questions' p90 (sent to answer read): one host ${at(a.fileP90)}, two hosts ${at(b.fileP90)} against ` +
      `the clients' ${t.patienceSeconds} s (goal within, two hosts) ${ok(patient)}`,
    ...one.hosts.map((h) => hostLine('one host', h, t.scale)),
    ...two.hosts.map((h) => hostLine('two hosts', h, t.scale)),
    `rush: reloads of a loaded model ${a.reloads} and ${b.reloads}, forced evictions ${a.evictions} and ` +
      `${b.evictions} (one host and two; goal 0) ${ok(engines)}`,
    `rush: hand-overs: one host ${a.handOvers.length}${a.handOvers.length ? ` (${a.handOvers.join('; ')})` : ''}; ` +
      `two hosts ${b.handOvers.length}${b.handOvers.length ? ` (${b.handOvers.join('; ')})` : ''}`,
    `rush: answers whole ${a.whole}/${jobs} and ${b.whole}/${jobs}, computed twice ${a.twice.length} and ${b.twice.length}${twiceWhat(a.twice, b.twice)}, ` +
      `failed calls ${a.failed} and ${b.failed} (goal all, 0, 0) ${ok(answered)}`,
    ...[...one.jobs, ...two.jobs]
      .filter((j) => j.walk.stopped)
      .slice(0, 3)
      .map((j) => `rush:   ${j.job.tag} stopped: ${j.walk.stopped!.slice(0, 200)}`),
  ];
  return { ok: fast && patient && engines && answered, lines };
}
