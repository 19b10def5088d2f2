/**
 * An engine's own load figures, read from what it publishes — pure parsing, engine-neutral result
 * (EngineLoad in engine.ts). Prometheus text from /metrics: vLLM (`vllm:num_requests_running`,
 * `vllm:num_requests_waiting`, `vllm:kv_cache_usage_perc`, before v0.10 `vllm:gpu_cache_usage_perc`),
 * SGLang (`sglang:num_running_reqs`, `sglang:num_queue_reqs`, `sglang:token_usage`) and llama-server
 * started with --metrics (`llamacpp:requests_processing`, `llamacpp:requests_deferred`); the same
 * names with `_` for `:` (as some exporters re-publish them) are read alike. Counts are summed over
 * label sets (vLLM's data-parallel engines), per `model_name` label where there is one; the KV
 * fraction is the fullest. llama-server's /slots (each slot's `is_processing`) and llama-swap's
 * /running (`{"running":[{"model","state"}]}`) are JSON.
 *
 * Whatever is not exactly that — a figure missing, NaN, negative, absurd, a body of another kind —
 * is undefined: nothing is guessed.
 */
import type { EngineLoad, ModelLoad } from './engine.js';

/** More requests than any engine holds at once: a figure past it is nonsense. */
export const MAX_REQUESTS = 1_000_000;
/** Slots, running models, label sets: more than any real answer lists. */
const MAX_ENTRIES = 4096;

interface Family {
  running: string;
  waiting: string;
  kv: readonly string[];
}

/** The gauges of each engine, with `:` written `_` (how names are compared). */
const FAMILIES: readonly Family[] = [
  {
    running: 'vllm_num_requests_running',
    waiting: 'vllm_num_requests_waiting',
    kv: ['vllm_kv_cache_usage_perc', 'vllm_gpu_cache_usage_perc'],
  },
  { running: 'sglang_num_running_reqs', waiting: 'sglang_num_queue_reqs', kv: ['sglang_token_usage'] },
  { running: 'llamacpp_requests_processing', waiting: 'llamacpp_requests_deferred', kv: [] },
];

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?[ \t]+(\S+)(?:[ \t]+\S+)?$/;
const MODEL_LABEL = /[{,]\s*model_name\s*=\s*"((?:[^"\\]|\\.)*)"/;

/** A count as Prometheus writes it ("3", "3.0", "3e0"), rounded; undefined for NaN, ±Inf, negative, absurd. */
function countOf(text: string): number | undefined {
  const v = Number(text); // a sample's value is never blank (SAMPLE); NaN and ±Inf fail a bound
  return v >= 0 && v <= MAX_REQUESTS ? Math.round(v) : undefined;
}

/** A fraction, clamped to 0..1; undefined for NaN, ±Inf or negative. */
function fractionOf(text: string): number | undefined {
  const v = Number(text);
  return Number.isFinite(v) && v >= 0 ? Math.min(1, v) : undefined;
}

interface Sample {
  value: string;
  model?: string;
}

/** The samples of the names asked for, by name (`:` as `_`); undefined past MAX_ENTRIES of them. */
function samplesOf(text: string, wanted: ReadonlySet<string>): Map<string, Sample[]> | undefined {
  const found = new Map<string, Sample[]>();
  let kept = 0;
  for (const raw of text.split('\n')) {
    const m = SAMPLE.exec(raw.trim()); // a blank line or a # comment is no sample
    if (!m) continue;
    const name = m[1]!.replaceAll(':', '_');
    if (!wanted.has(name)) continue;
    if (++kept > MAX_ENTRIES) return undefined;
    const model = m[2] ? MODEL_LABEL.exec(m[2])?.[1] : undefined;
    const list = found.get(name) ?? [];
    list.push({ value: m[3]!, ...(model !== undefined && { model: model.replace(/\\(.)/g, '$1') }) });
    found.set(name, list);
  }
  return found;
}

/** Summed over label sets, and per model_name; undefined when a sample is not a count. */
function summed(samples: readonly Sample[]): { total: number; byModel: Map<string, number> } | undefined {
  let total = 0;
  const byModel = new Map<string, number>();
  for (const s of samples) {
    const v = countOf(s.value);
    if (v === undefined) return undefined;
    total += v;
    if (s.model !== undefined) byModel.set(s.model, (byModel.get(s.model) ?? 0) + v);
  }
  return total <= MAX_REQUESTS ? { total, byModel } : undefined;
}

/**
 * The load in a /metrics answer (Prometheus text): the first engine family whose running and
 * waiting gauges are both there and sane. Undefined when none is.
 */
export function readPrometheusLoad(text: string): EngineLoad | undefined {
  const wanted = new Set(FAMILIES.flatMap((f) => [f.running, f.waiting, ...f.kv]));
  const samples = samplesOf(text, wanted);
  if (!samples) return undefined;
  for (const f of FAMILIES) {
    const r = samples.get(f.running);
    const w = samples.get(f.waiting);
    if (!r?.length || !w?.length) continue;
    const running = summed(r);
    const waiting = summed(w);
    if (!running || !waiting) return undefined;
    const kvs = f.kv.flatMap((n) => samples.get(n) ?? []).map((s) => fractionOf(s.value));
    const kvCache = kvs.length > 0 && kvs.every((k) => k !== undefined) ? Math.max(...(kvs as number[])) : undefined;
    const names = new Set([...running.byModel.keys(), ...waiting.byModel.keys()]);
    const models = new Map<string, ModelLoad>(
      [...names].map((n) => [n, { running: running.byModel.get(n) ?? 0, waiting: waiting.byModel.get(n) ?? 0 }]),
    );
    return {
      running: running.total,
      waiting: waiting.total,
      ...(kvCache !== undefined && { kvCache }),
      ...(models.size > 0 && { models }),
    };
  }
  return undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * llama-server's /slots: one entry per slot, `is_processing` true while it answers a request.
 * Requests waiting for a slot are not listed there (its /metrics says them): 0.
 */
export function readSlotsLoad(text: string): EngineLoad | undefined {
  const slots = parse(text);
  if (!Array.isArray(slots) || slots.length === 0 || slots.length > MAX_ENTRIES) return undefined;
  let running = 0;
  for (const s of slots) {
    const busy = (s as { is_processing?: unknown } | null)?.is_processing; // undefined for a number, string, list
    if (typeof busy !== 'boolean') return undefined;
    if (busy) running++;
  }
  return { running, waiting: 0, slots: slots.length };
}

/** llama-swap's /running: the models it runs now (state "ready"); undefined for anything else. */
export function readRunningModels(text: string): string[] | undefined {
  const list = (parse(text) as { running?: unknown } | null | undefined)?.running;
  if (!Array.isArray(list) || list.length > MAX_ENTRIES) return undefined;
  const ready: string[] = [];
  for (const e of list) {
    const { model, state } = (e ?? {}) as { model?: unknown; state?: unknown };
    if (typeof model !== 'string' || model === '' || model.length > 512) return undefined;
    if (state === undefined || state === 'ready') ready.push(model);
  }
  return ready;
}

/** Per-model readings as one: their sums, each model's own figures kept. */
export function combineLoads(parts: ReadonlyMap<string, EngineLoad>, ready?: readonly string[]): EngineLoad {
  const models = new Map<string, ModelLoad>();
  let running = 0;
  let waiting = 0;
  for (const [name, l] of parts) {
    models.set(name, { running: l.running, waiting: l.waiting, ...(l.slots !== undefined && { slots: l.slots }) });
    running += l.running;
    waiting += l.waiting;
  }
  return { running, waiting, models, ...(ready && { ready }) };
}

/**
 * A /metrics reading with the slot count /slots gives (llama-server publishes both; vLLM only the first):
 * either alone as it is.
 */
export function withSlots(metrics: EngineLoad | undefined, slots: EngineLoad | undefined): EngineLoad | undefined {
  if (!metrics) return slots;
  return slots?.slots !== undefined ? { ...metrics, slots: slots.slots } : metrics;
}
