/**
 * The phases long work goes through, and how each reads in a progress message. Every slow part
 * is named for what it waits on: another load, unloading, loading (with an estimate from this
 * host's measured load speed), Ollama reading the prompt, a queue behind another request on the
 * same model, generating, downloading. Pure: the reporter (progress.ts) adds the clock.
 */
import { formatBytes } from '../config/units.js';

/** A host's load speed (loading/load-estimate.ts measures it): what the loading phase's estimate is made at. */
export interface LoadSpeed {
  bytesPerSecond: number;
  /** Measured on this host (otherwise assumed). */
  measured: boolean;
}

/** The speed in words, for progress messages: "this host's measured 350 MB/s" or "an assumed 200 MB/s". */
function describeSpeed(speed: LoadSpeed): string {
  return `${speed.measured ? "this host's measured" : 'an assumed'} ${formatBytes(speed.bytesPerSecond)}/s`;
}

export type Phase =
  | { kind: 'starting'; what: string }
  /**
   * `on`: what is waited on, when `for` changes as it goes (a job's own line): the clock runs on while `on`
   * is the same.
   */
  | { kind: 'waiting'; for: string; on?: string }
  | { kind: 'unloading'; models: readonly string[] }
  | { kind: 'loading'; model: string; sizeBytes: number; estimateMs: number; speed: LoadSpeed }
  | { kind: 'evaluating'; model: string; promptTokens: number }
  | { kind: 'queued'; model: string; ahead: number }
  /** A model failed the work and the next one is tried. */
  | { kind: 'fallback'; from: string; error: string }
  | { kind: 'generating'; model: string; tokens: number; maxTokens: number; tokensPerSecond: number }
  /**
   * `downloading`: bytes are moving for a layer; otherwise Ollama is in a step of its own (manifest,
   * verifying, writing).
   */
  | { kind: 'pulling'; model: string; status: string; downloading: boolean; completedBytes: number; totalBytes: number }
  /**
   * Making a model: the engine's step ("using existing layer …", "quantizing F16 model to Q4_K_M", "writing
   * manifest"), with bytes when it counts them.
   */
  | { kind: 'creating'; model: string; status: string; completedBytes?: number; totalBytes?: number };

/** Where a phase stands, in its own unit: tokens, bytes, or seconds spent in it; `total` when known. */
export interface PhaseMeasure {
  done: number;
  total?: number;
}

/** Two phases are one phase updated (its clock keeps running) when kind and subject agree. */
export function samePhase(a: Phase, b: Phase): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'starting':
      return a.what === (b as typeof a).what;
    case 'waiting':
      return a.on !== undefined ? a.on === (b as typeof a).on : a.for === (b as typeof a).for;
    case 'unloading':
      return a.models.join() === (b as typeof a).models.join();
    case 'queued':
      return a.model === (b as typeof a).model && a.ahead === (b as typeof a).ahead;
    case 'fallback':
      return a.from === (b as typeof a).from;
    case 'pulling':
      return (
        a.model === (b as typeof a).model &&
        (a.downloading ? (b as typeof a).downloading : a.status === (b as typeof a).status)
      );
    case 'creating':
      return a.model === (b as typeof a).model && a.status === (b as typeof a).status;
    default:
      return a.model === (b as typeof a).model;
  }
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * A line that ends in a phase's own clock, as describePhase writes them: "(22 s)", ", 3 s", ", 3 s so far".
 * A follow-up waiting on a job shows the job's line with that clock alone (issue 83, finding 7: "1 request
 * ahead (22 s) (20 s)").
 */
const OWN_CLOCK = /(?: \(\d+ s\)|, \d+ s(?: so far)?)$/;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The phase in words, `elapsedMs` after it began. */
export function describePhase(p: Phase, elapsedMs: number): string {
  switch (p.kind) {
    case 'starting':
      return p.what;
    case 'waiting':
      // waiting on a job whose line counts its own time: one clock, the job's
      return p.on !== undefined && OWN_CLOCK.test(p.for)
        ? `waiting for ${p.for}`
        : `waiting for ${p.for} (${seconds(elapsedMs)})`;
    case 'unloading':
      return `unloading ${p.models.join(', ')} to make room (${seconds(elapsedMs)})`;
    case 'loading':
      return (
        `loading ${p.model} (${formatBytes(p.sizeBytes)}): ~${seconds(p.estimateMs)} estimated at ` +
        `${describeSpeed(p.speed)}, ${seconds(elapsedMs)} so far`
      );
    case 'evaluating':
      return `${p.model}: evaluating the prompt (~${plural(p.promptTokens, 'token')}), ${seconds(elapsedMs)}`;
    case 'fallback':
      return `${p.from} failed (${p.error.length > 200 ? `${p.error.slice(0, 200)}…` : p.error}); trying the next model`;
    case 'queued':
      return `${p.model}: queued behind ${plural(p.ahead, 'request')} on ${p.model}, ${seconds(elapsedMs)}`;
    case 'generating':
      return (
        `${p.model}: ${plural(p.tokens, 'token')} ` +
        `generated${p.tokensPerSecond > 0 ? `, ${p.tokensPerSecond} tok/s` : ''}`
      );
    case 'pulling': {
      if (!p.downloading || p.totalBytes <= 0) return `${p.model}: ${p.status} (${seconds(elapsedMs)})`;
      const pct = Math.floor((p.completedBytes / p.totalBytes) * 100);
      return `${p.model}: ${p.status} — ${pct}% (${formatBytes(p.completedBytes)} of ${formatBytes(p.totalBytes)})`;
    }
    case 'creating':
      return p.totalBytes && p.completedBytes !== undefined
        ? `making ${p.model}: ${p.status} — ${Math.floor((p.completedBytes / p.totalBytes) * 100)}%`
        : `making ${p.model}: ${p.status} (${seconds(elapsedMs)})`;
  }
}

/**
 * How far the phase is: tokens of maxTokens, bytes of the download, seconds of a load's estimate, else
 * seconds spent.
 */
export function measurePhase(p: Phase, elapsedMs: number): PhaseMeasure {
  const elapsed = elapsedMs / 1000;
  switch (p.kind) {
    case 'generating':
      return { done: p.tokens, total: p.maxTokens };
    case 'pulling':
      return p.downloading && p.totalBytes > 0 ? { done: p.completedBytes, total: p.totalBytes } : { done: elapsed };
    case 'creating':
      return p.totalBytes && p.completedBytes !== undefined
        ? { done: p.completedBytes, total: p.totalBytes }
        : { done: elapsed };
    case 'loading':
      return elapsed < p.estimateMs / 1000 ? { done: elapsed, total: p.estimateMs / 1000 } : { done: elapsed };
    default:
      return { done: elapsed };
  }
}
