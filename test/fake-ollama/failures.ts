/**
 * Failures a test injects at the Ollama level, with v0.30+ wording (llm/llama_server.go):
 * - a load that fails: 'oom' → 500 `llama-server reported out-of-memory during startup: …`,
 *   'crash' → 500 `llama-server process has terminated: …` (no word "memory" in it);
 * - a generation that runs out of memory → `model runner has unexpectedly stopped, …: CUDA error:
 *   out of memory`, after which Ollama expires every loaded model.
 * Out-of-memory is recognised as Ollama does (llm/status.go IsOutOfMemory).
 */
import { nameKey } from './names.js';

export type LoadFailureKind = 'oom' | 'crash';

export interface LoadFailureOptions {
  /** Only loads of this model fail (default: the next load of any model). */
  model?: string;
  /** How many loads fail (default 1). */
  times?: number;
  /** The text after the prefix (default 'cudaMalloc failed: out of memory' / 'exit status 2'). */
  detail?: string;
}

export interface GenerationFailureOptions {
  /** Only a generation on this model fails (default: the next one on any model). */
  model?: string;
  /** Tokens streamed before the failure (default 0). */
  afterChunks?: number;
  /** The error text (default: an out-of-memory stop of the runner). */
  error?: string;
}

export const RUNTIME_OOM =
  'model runner has unexpectedly stopped, this may be due to resource limitations or an ' +
  'internal error, check ollama server logs for details: CUDA error: out of memory';

const OOM_NEEDLES = [
  'out of memory',
  'out of device memory',
  'cudamalloc failed',
  'hipmalloc failed',
  'failed to allocate',
  'allocation failed',
  'not enough memory',
  'insufficient memory',
  'vk_error_out_of_device_memory',
  'erroroutofmemory',
];

export function isOutOfMemory(message: string): boolean {
  const m = message.toLowerCase();
  return OOM_NEEDLES.some((n) => m.includes(n));
}

export function loadFailureText(kind: LoadFailureKind, detail?: string): string {
  return kind === 'oom'
    ? `llama-server reported out-of-memory during startup: ${detail ?? 'cudaMalloc failed: out of memory'}`
    : `llama-server process has terminated: ${detail ?? 'exit status 2'}`;
}

interface Pending<T> {
  key: string | undefined;
  left: number;
  value: T;
}

/** Queued failures, each for one model or any, taken first-come first-served. */
export class Injected {
  private readonly loads: Array<Pending<string>> = [];
  private readonly generations: Array<Pending<{ afterChunks: number; error: string }>> = [];

  addLoad(kind: LoadFailureKind, o: LoadFailureOptions = {}): void {
    this.loads.push({
      key: o.model === undefined ? undefined : nameKey(o.model),
      left: Math.max(1, o.times ?? 1),
      value: loadFailureText(kind, o.detail),
    });
  }

  addGeneration(o: GenerationFailureOptions = {}): void {
    this.generations.push({
      key: o.model === undefined ? undefined : nameKey(o.model),
      left: 1,
      value: { afterChunks: Math.max(0, o.afterChunks ?? 0), error: o.error ?? RUNTIME_OOM },
    });
  }

  /** The error the next load of `model` fails with, if one is queued for it. */
  takeLoad(model: string): string | undefined {
    return take(this.loads, nameKey(model));
  }

  takeGeneration(model: string): { afterChunks: number; error: string } | undefined {
    return take(this.generations, nameKey(model));
  }
}

function take<T>(list: Array<Pending<T>>, key: string): T | undefined {
  const i = list.findIndex((p) => p.key === undefined || p.key === key);
  const p = list[i];
  if (!p) return undefined;
  if (--p.left <= 0) list.splice(i, 1);
  return p.value;
}
