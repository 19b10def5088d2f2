/**
 * Per-model performance metrics, kept in the state database and shared by every ollm-mcp process
 * on the machine (Claude Desktop and an IDE may each run one): sums and counts recorded in memory
 * and flushed, debounced, in one transaction (storage/summed-table.ts).
 */
import { SummedTable } from '../storage/summed-table.js';
import { loadSpeed, type LoadSpeed } from '../loading/load-estimate.js';
import { log } from '../util/log.js';
import { countsForCalibration, ratioOf } from '../generation/token-count.js';

export interface ModelMetrics {
  requests: number;
  successes: number;
  failures: number;
  avgLatencyMs: number; // mean total time of successful requests
  avgTokensPerSecond: number; // mean output tokens/s of successful requests that reported tokens
  avgLoadMs: number; // mean load time over requests that loaded the model (loadMs > 0)
  loads: number;
  lastUsed: string; // ISO time
  lastError?: string;
}

/**
 * tokensPerSecond is preferred; else it is derived from outputTokens over (latencyMs − loadMs). `at`: epoch
 * ms, default now.
 */
export interface Observation {
  model: string;
  ok: boolean;
  latencyMs: number;
  outputTokens?: number;
  tokensPerSecond?: number;
  loadMs?: number;
  error?: string;
  at?: number;
}

/** What the file stores per model: sums and counts only. */
interface Totals {
  requests: number;
  successes: number;
  failures: number;
  latencySumMs: number;
  latencyCount: number;
  tpsSum: number;
  tpsCount: number;
  loadSumMs: number;
  loads: number;
  lastUsedMs: number;
  lastError?: string;
  lastErrorMs?: number;
  /** Bytes the loader read in, and the ms those loads took: the host's load speed. */
  loadedBytes: number;
  loadingMs: number;
  /** Prompt tokens as estimated here, and as the engine counted the same prompts: calibrates the estimate per model. */
  promptEstimated: number;
  promptCounted: number;
}
type Table = Map<string, Totals>;
const COUNTS = [
  'requests',
  'successes',
  'failures',
  'latencySumMs',
  'latencyCount',
  'tpsSum',
  'tpsCount',
  'loadSumMs',
  'loads',
  'loadedBytes',
  'loadingMs',
  'promptEstimated',
  'promptCounted',
] as const;

const empty = (): Totals => ({
  requests: 0,
  successes: 0,
  failures: 0,
  latencySumMs: 0,
  latencyCount: 0,
  tpsSum: 0,
  tpsCount: 0,
  loadSumMs: 0,
  loads: 0,
  lastUsedMs: 0,
  loadedBytes: 0,
  loadingMs: 0,
  promptEstimated: 0,
  promptCounted: 0,
});
const pos = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** a += b: sums and counts add, the latest time and error win. */
function addInto(a: Totals, b: Totals): Totals {
  for (const k of COUNTS) a[k] += b[k];
  a.lastUsedMs = Math.max(a.lastUsedMs, b.lastUsedMs);
  if (b.lastError !== undefined && (b.lastErrorMs ?? 0) >= (a.lastErrorMs ?? 0))
    Object.assign(a, { lastError: b.lastError, lastErrorMs: b.lastErrorMs });
  return a;
}

function toMetrics(t: Totals): ModelMetrics {
  const mean = (sum: number, n: number) => (n > 0 ? sum / n : 0);
  const m: ModelMetrics = {
    requests: t.requests,
    successes: t.successes,
    failures: t.failures,
    avgLatencyMs: mean(t.latencySumMs, t.latencyCount),
    avgTokensPerSecond: mean(t.tpsSum, t.tpsCount),
    avgLoadMs: mean(t.loadSumMs, t.loads),
    loads: t.loads,
    lastUsed: new Date(t.lastUsedMs).toISOString(),
  };
  if (t.lastError !== undefined) m.lastError = t.lastError;
  return m;
}

/** One model's stored sums, or null when they are not an object. */
function parseRow(v: unknown): Totals | null {
  if (!isObj(v)) return null;
  const t = empty();
  for (const k of COUNTS) t[k] = pos(v[k]) ? v[k] : 0;
  const used = typeof v.lastUsed === 'string' ? Date.parse(v.lastUsed) : NaN;
  t.lastUsedMs = Number.isFinite(used) ? used : 0;
  if (typeof v.lastError === 'string')
    Object.assign(t, { lastError: v.lastError, lastErrorMs: pos(v.lastErrorMs) ? v.lastErrorMs : 0 });
  return t;
}

const serialiseRow = ({ lastUsedMs, ...rest }: Totals): unknown => ({
  ...rest,
  lastUsed: new Date(lastUsedMs).toISOString(),
});

/**
 * metrics.json of an earlier version: its models and the entries that are not valid; null when its shape is
 * not ours.
 */
function parseFile(raw: unknown): { value: Table; rejected: unknown[] } | null {
  if (!isObj(raw) || !isObj(raw.models)) return null;
  const out: Table = new Map();
  const rejected: unknown[] = [];
  for (const [model, v] of Object.entries(raw.models)) {
    const t = model === '' ? null : parseRow(v);
    if (t) out.set(model, t);
    else rejected.push({ [model]: v });
  }
  return { value: out, rejected };
}

export class MetricsStore extends SummedTable<Totals> {
  /** `legacyFile`: an earlier version's metrics.json, imported once. */
  constructor(home: string, options: { flushDelayMs?: number; legacyFile?: string } = {}) {
    super(home, 'metrics', { parseRow, serialiseRow, parseFile, zero: empty, add: addInto }, options);
  }

  /** Adds an observation in memory and schedules a flush. Never throws. */
  record(o: Observation): void {
    try {
      if (typeof o?.model !== 'string' || o.model === '') return;
      const t = empty();
      const load = pos(o.loadMs) ? o.loadMs : 0;
      t.requests++;
      t.lastUsedMs = pos(o.at) ? o.at : Date.now();
      if (load > 0) {
        t.loads++;
        t.loadSumMs += load;
      }
      if (o.ok) {
        t.successes++;
        if (pos(o.latencyMs) || o.latencyMs === 0) {
          t.latencyCount++;
          t.latencySumMs += o.latencyMs;
        }
        const genMs = pos(o.latencyMs) ? o.latencyMs - load : 0;
        const tps = pos(o.tokensPerSecond)
          ? o.tokensPerSecond
          : pos(o.outputTokens) && genMs > 0
            ? o.outputTokens / (genMs / 1000)
            : 0;
        if (tps > 0) {
          t.tpsCount++;
          t.tpsSum += tps;
        }
      } else {
        t.failures++;
        t.lastError = (o.error ?? 'unknown error').slice(0, 500);
        t.lastErrorMs = t.lastUsedMs;
      }
      this.addDelta(o.model, t);
    } catch (e) {
      log.debug(`metrics: record failed: ${errText(e)}`);
    }
  }

  /** A load the loader carried out: `bytes` read in `ms`. Feeds the host's load speed (loadSpeed). Never throws. */
  recordLoad(model: string, bytes: number, ms: number): void {
    if (typeof model !== 'string' || model === '' || !pos(bytes) || !pos(ms)) return;
    const t = empty();
    t.loadedBytes = bytes;
    t.loadingMs = ms;
    t.lastUsedMs = Date.now();
    this.addDelta(model, t);
  }

  /**
   * An answer's prompt as estimated here and as the engine counted it (prompt_eval_count, usage):
   * what tokenRatio learns from. Small prompts say little (the template weighs more), and a count
   * far below the estimate is a prompt cache reusing earlier tokens: both are left out. Never throws.
   */
  recordPromptCount(model: string, estimated: number, counted: number): void {
    if (
      typeof model !== 'string' ||
      model === '' ||
      !pos(estimated) ||
      !pos(counted) ||
      !countsForCalibration(estimated, counted)
    )
      return;
    const t = empty();
    t.promptEstimated = estimated;
    t.promptCounted = counted;
    this.addDelta(model, t);
  }

  /** The engine's tokens per estimated token for `model`, from earlier answers; undefined until enough was seen. */
  tokenRatio(model: string): number | undefined {
    const t = this.row(model);
    return t ? ratioOf(t.promptEstimated, t.promptCounted) : undefined;
  }

  /** How fast models load on this host: every model's loads together (assumed until enough was measured). */
  loadSpeed(): LoadSpeed {
    let bytes = 0;
    let ms = 0;
    for (const t of this.rows().values()) {
      bytes += t.loadedBytes;
      ms += t.loadingMs;
    }
    return loadSpeed(bytes, ms);
  }

  /** This process's view: persisted totals plus what is not yet flushed. */
  get(model: string): ModelMetrics | undefined {
    const t = this.row(model);
    return t ? toMetrics(t) : undefined;
  }

  all(): Record<string, ModelMetrics> {
    return Object.fromEntries([...this.rows()].map(([m, t]) => [m, toMetrics(t)]));
  }
}
