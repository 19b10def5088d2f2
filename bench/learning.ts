/**
 * Learned routing benchmark (issue 24): a simulated host with 8 models whose quality per kind of
 * work is hidden from the router, and an agent that judges each answer good with probability = that
 * quality. The table's priors are wrong on purpose where new names make them wrong: magistral
 * (unknown, but a thinking model, so the table gives it general and reasoning) is bigger — the prior
 * leans to bigger — and worse than qwen3 at reasoning and general work. Elsewhere the table's top
 * choice is right (devstral for code, barely: the other code models' priors are close behind).
 *
 * 300 requests of mixed kinds on a 24 GB host (the models do not all fit: loading one unloads the
 * least recently used), routed three ways: static (always the table's top choice by prior), learned
 * (chooseLearned with exploration) and the oracle (best hidden quality). Printed, averaged over
 * SEEDS seeds with the spread: the share of the oracle's quality over the run and over the last 100
 * requests, the requests until learned routing settles on the best model per kind of work, and the
 * total load time of learned routing against static's.
 * Goals: learned ≥ 90% of the oracle over the run, ≥ 97% over the last 100, load time ≤ 1.2× static's.
 */
import {
  chooseLearned,
  evidenceFor,
  priorFor,
  recordOutcome,
  type EvidenceBook,
  type LearningParams,
  type WorkKind,
} from '../src/orchestrator/generation/learning.js';
import { betaMean } from '../src/orchestrator/generation/learning-beta.js';
import { describeModel, parameterCount } from '../src/orchestrator/models/model-db.js';
import type { ProfileName } from '../src/orchestrator/config/profiles.js';
import { random } from '../test/helpers/random.js';

export const LEARNING_GOALS = { run: 0.9, last100: 0.97, loadRatio: 1.2 };
const SEEDS = 20;
const REQUESTS = 300;
const LAST = 100;
const MEMORY_BYTES = 24e9;
const GB = 1e9;

const KINDS = ['code', 'general', 'reasoning', 'fast', 'vision'] as const satisfies readonly WorkKind[];
type Kind = (typeof KINDS)[number];
/** How often each kind of work is asked for. */
const MIX: Record<Kind, number> = { code: 0.3, general: 0.25, reasoning: 0.2, fast: 0.15, vision: 0.1 };

interface WorldModel {
  name: string;
  parameterSize: string;
  sizeBytes: number;
  /** What Ollama's /api/show reports; the table's profiles follow from it and the name. */
  capabilities: string[];
  /** Hidden: the chance the agent judges an answer good. Text-only models take no vision work. */
  quality: Partial<Record<Kind, number>>;
}

const text = (code: number, general: number, reasoning: number, fast: number) => ({ code, general, reasoning, fast });
const WORLD: WorldModel[] = [
  {
    name: 'qwen2.5-coder:14b',
    parameterSize: '14.8B',
    sizeBytes: 9.0 * GB,
    capabilities: ['completion', 'tools', 'insert'],
    quality: text(0.66, 0.55, 0.45, 0.5),
  },
  {
    name: 'devstral:24b',
    parameterSize: '23.6B',
    sizeBytes: 14.3 * GB,
    capabilities: ['completion', 'tools'],
    quality: text(0.9, 0.7, 0.62, 0.5),
  },
  {
    name: 'llama3.1:8b',
    parameterSize: '8.0B',
    sizeBytes: 4.9 * GB,
    capabilities: ['completion', 'tools'],
    quality: text(0.55, 0.74, 0.5, 0.7),
  },
  {
    name: 'qwen3:14b',
    parameterSize: '14.8B',
    sizeBytes: 9.3 * GB,
    capabilities: ['completion', 'tools', 'thinking'],
    quality: text(0.76, 0.82, 0.86, 0.5),
  },
  {
    name: 'magistral:24b',
    parameterSize: '23.6B',
    sizeBytes: 14.1 * GB,
    capabilities: ['completion', 'tools', 'thinking'],
    quality: text(0.65, 0.74, 0.8, 0.45),
  },
  {
    name: 'llama3.2:3b',
    parameterSize: '3.2B',
    sizeBytes: 2.0 * GB,
    capabilities: ['completion', 'tools'],
    quality: text(0.4, 0.6, 0.35, 0.8),
  },
  {
    name: 'gemma3:12b',
    parameterSize: '12.2B',
    sizeBytes: 8.1 * GB,
    capabilities: ['completion', 'vision'],
    quality: { ...text(0.55, 0.78, 0.6, 0.6), vision: 0.82 },
  },
  {
    name: 'llava:7b',
    parameterSize: '7B',
    sizeBytes: 4.7 * GB,
    capabilities: ['completion', 'vision'],
    quality: { ...text(0.3, 0.45, 0.3, 0.5), vision: 0.62 },
  },
];

/** The host's truth: loading reads ~0.7 GB/s after 2 s of start-up; generating, ~400 GB/s of weights. */
const loadSeconds = (m: WorldModel) => 2 + m.sizeBytes / (0.7 * GB);
const tokensPerSecond = (m: WorldModel) => 400e9 / m.sizeBytes;
/** Memory a loaded model holds: its weights plus ~1 GB of context cache. */
const held = (m: WorldModel) => m.sizeBytes + GB;

const profilesOf = (m: WorldModel): ProfileName[] =>
  describeModel(m.name, { parameterSize: m.parameterSize, capabilities: m.capabilities }).profiles;
const canDo = (m: WorldModel, kind: Kind) => m.quality[kind] !== undefined;

/** The host's memory: which models are loaded, least recently used first; a load unloads from the front until it fits. */
class Host {
  constructor(private readonly memoryBytes: number) {}
  private loaded: WorldModel[] = [];
  loadSeconds = 0;
  isLoaded = (m: WorldModel) => this.loaded.includes(m);
  use(m: WorldModel): void {
    if (this.isLoaded(m)) {
      this.loaded = [...this.loaded.filter((x) => x !== m), m];
      return;
    }
    while (this.loaded.length && this.loaded.reduce((s, x) => s + held(x), 0) + held(m) > this.memoryBytes)
      this.loaded.shift();
    this.loaded.push(m);
    this.loadSeconds += loadSeconds(m);
  }
}

type Policy = (kind: Kind, host: Host) => WorldModel;

interface Run {
  quality: number[];
  chosen: WorldModel[];
  loadSeconds: number;
}

function run(
  kinds: readonly Kind[],
  memoryBytes: number,
  policy: Policy,
  learn?: (m: WorldModel, kind: Kind) => void,
): Run {
  const host = new Host(memoryBytes);
  const out: Run = { quality: [], chosen: [], loadSeconds: 0 };
  for (const kind of kinds) {
    const m = policy(kind, host);
    host.use(m);
    out.quality.push(m.quality[kind]!);
    out.chosen.push(m);
    learn?.(m, kind);
  }
  out.loadSeconds = host.loadSeconds;
  return out;
}

const best = (kind: Kind) =>
  WORLD.filter((m) => canDo(m, kind)).sort((a, b) => b.quality[kind]! - a.quality[kind]!)[0]!;
const priorMean = (m: WorldModel, kind: Kind) =>
  betaMean(priorFor({ profiles: profilesOf(m), parameterSize: m.parameterSize, sizeBytes: m.sizeBytes }, kind));
const staticChoice = (kind: Kind) =>
  WORLD.filter((m) => canDo(m, kind)).sort(
    (a, b) => priorMean(b, kind) - priorMean(a, kind) || a.name.localeCompare(b.name),
  )[0]!;

/** Learned routing with its own evidence, verdicts drawn by `agent`. */
function learned(
  rng: () => number,
  agent: () => number,
  params?: Partial<LearningParams>,
): { policy: Policy; learn: (m: WorldModel, kind: Kind) => void } {
  let book: EvidenceBook = {};
  const policy: Policy = (kind, host) => {
    const candidates = WORLD.filter((m) => canDo(m, kind)).map((m) => ({
      name: m.name,
      model: m,
      profiles: profilesOf(m),
      parameterSize: m.parameterSize,
      sizeBytes: m.sizeBytes,
      loaded: host.isLoaded(m),
      coldLoadSeconds: loadSeconds(m),
      evidence: evidenceFor(book, { model: m.name, work: kind }),
    }));
    return chooseLearned(candidates, kind, { rng, explore: true, ...(params && { params }) })!.candidate.model;
  };
  const learn = (m: WorldModel, kind: Kind) => {
    const at = { model: m.name, work: kind };
    book = recordOutcome(book, at, { kind: 'speed', tokensPerSecond: tokensPerSecond(m) * (0.9 + 0.2 * agent()) });
    book = recordOutcome(book, at, { kind: 'verdict', good: agent() < m.quality[kind]! });
  };
  return { policy, learn };
}

function drawKinds(rng: () => number): Kind[] {
  return Array.from({ length: REQUESTS }, () => {
    let x = rng();
    for (const k of KINDS) if ((x -= MIX[k]) < 0) return k;
    return KINDS[0];
  });
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
const share = (r: Run, oracle: Run, from = 0) => sum(r.quality.slice(from)) / sum(oracle.quality.slice(from));

/** The request (1-based, over the whole run) from which ≥ 90% of this kind's remaining requests (at least 5) go to its best model; undefined if never. */
function settledAt(kinds: readonly Kind[], r: Run, kind: Kind): number | undefined {
  const at = kinds.flatMap((k, i) => (k === kind ? [i] : []));
  for (let j = 0; j + 5 <= at.length; j++) {
    const rest = at.slice(j);
    if (rest.filter((i) => r.chosen[i] === best(kind)).length >= 0.9 * rest.length) return at[j]! + 1;
  }
  return undefined;
}

interface SeedResult {
  static: { run: number; last: number; load: number };
  learned: { run: number; last: number; load: number };
  settled: Partial<Record<Kind, number>>;
  /** Oracle's quality minus learned's over the last LAST requests, by kind. */
  lastLoss: Partial<Record<Kind, number>>;
  /** Learned routing's choices over the last LAST requests: kind → model → count. */
  lastPicks: Partial<Record<Kind, Record<string, number>>>;
}

/** One seed's run; `params` and `memoryBytes` let a tuning script try other values than the defaults. */
export function simulate(
  seed: number,
  opts: { params?: Partial<LearningParams>; memoryBytes?: number } = {},
): SeedResult {
  const memory = opts.memoryBytes ?? MEMORY_BYTES;
  const kinds = drawKinds(random(seed));
  const oracle = run(kinds, memory, (kind) => best(kind));
  const fixed = run(kinds, memory, (kind) => staticChoice(kind));
  const l = learned(random(seed * 7 + 1), random(seed * 13 + 2), opts.params);
  const learnedRun = run(kinds, memory, l.policy, l.learn);
  const settled: SeedResult['settled'] = {};
  for (const k of KINDS) {
    const at = settledAt(kinds, learnedRun, k);
    if (at !== undefined) settled[k] = at;
  }
  const figures = (r: Run) => ({ run: share(r, oracle), last: share(r, oracle, REQUESTS - LAST), load: r.loadSeconds });
  const lastLoss: SeedResult['lastLoss'] = {};
  const lastPicks: SeedResult['lastPicks'] = {};
  for (let i = REQUESTS - LAST; i < REQUESTS; i++) {
    const k = kinds[i]!;
    lastLoss[k] = (lastLoss[k] ?? 0) + oracle.quality[i]! - learnedRun.quality[i]!;
    const picks = (lastPicks[k] ??= {});
    picks[learnedRun.chosen[i]!.name] = (picks[learnedRun.chosen[i]!.name] ?? 0) + 1;
  }
  return { static: figures(fixed), learned: figures(learnedRun), settled, lastLoss, lastPicks };
}

const mean = (xs: readonly number[]) => sum(xs) / xs.length;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const spread = (xs: readonly number[], f: (x: number) => string) =>
  `${f(mean(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchLearning(): Promise<{ ok: boolean; lines: string[] }> {
  const results = Array.from({ length: SEEDS }, (_, i) => simulate(i + 1));
  const s = results.map((r) => r.static);
  const l = results.map((r) => r.learned);
  const ratio = results.map((r) => r.learned.load / r.static.load);
  const runShare = mean(l.map((x) => x.run));
  const lastShare = mean(l.map((x) => x.last));
  const loadRatio = sum(l.map((x) => x.load)) / sum(s.map((x) => x.load));
  const goals = {
    run: runShare >= LEARNING_GOALS.run,
    last: lastShare >= LEARNING_GOALS.last100,
    load: loadRatio <= LEARNING_GOALS.loadRatio,
  };
  const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSED');
  const settleLines = KINDS.map((k) => {
    const got = results.flatMap((r) => (r.settled[k] !== undefined ? [r.settled[k]] : []));
    const table = staticChoice(k) === best(k) ? 'table right' : `table picks ${staticChoice(k).name}`;
    const loss = mean(results.map((r) => r.lastLoss[k] ?? 0));
    return (
      `learning:   ${k.padEnd(9)} best ${best(k).name.padEnd(17)} (${table}): settled in ` +
      `${got.length}/${SEEDS} seeds, median by request ` +
      `${got.length ? median(got) : '—'}${got.length ? ` (${Math.min(...got)}–${Math.max(...got)})` : ''}; ` +
      `oracle's quality lost over the last ${LAST}: ${loss.toFixed(1)} answers' worth`
    );
  });
  const params = (m: WorldModel) => parameterCount(m.parameterSize)! / 1e9;
  return {
    ok: goals.run && goals.last && goals.load,
    lines: [
      `learning: ${WORLD.length} models ` +
        `(${WORLD.map((m) => `${m.name} ${params(m)}B`).join(', ')}) on a ${MEMORY_BYTES / GB} GB ` +
        `host, ${REQUESTS} requests of mixed kinds, ${SEEDS} seeds; figures are means (min–max)`,
      `learning: static  share of the oracle's quality: run ${spread(
        s.map((x) => x.run),
        pct,
      )}, last ${LAST} ${spread(
        s.map((x) => x.last),
        pct,
      )}, load ${spread(
        s.map((x) => x.load),
        (x) => `${Math.round(x)} s`,
      )}`,
      `learning: learned share of the oracle's quality: run ${spread(
        l.map((x) => x.run),
        pct,
      )}, last ${LAST} ${spread(
        l.map((x) => x.last),
        pct,
      )}, load ${spread(
        l.map((x) => x.load),
        (x) => `${Math.round(x)} s`,
      )}`,
      `learning: settling (≥ 90% of a kind's remaining requests to its best model):`,
      ...settleLines,
      `learning: learned over the run ${pct(runShare)} of the oracle (goal ≥ ` +
        `${LEARNING_GOALS.run * 100}%) ${verdict(goals.run)}`,
      `learning: learned over the last ${LAST} ${pct(lastShare)} of the oracle (goal ≥ ` +
        `${LEARNING_GOALS.last100 * 100}%) ${verdict(goals.last)}`,
      `learning: load time learned/static ${loadRatio.toFixed(2)}× (per seed ` +
        `${spread(ratio, (x) => `${x.toFixed(2)}×`)}) (goal ≤ ${LEARNING_GOALS.loadRatio}×) ` +
        `${verdict(goals.load)}`,
    ],
  };
}
