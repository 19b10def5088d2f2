/**
 * What llama-server's answers say, read as plain data (no I/O): a router model's entry of
 * GET /models with its status and the arguments the router starts it with, and a model's own
 * figures from GET /props?model=ID (tools/server/README.md, "Using multiple models").
 */
import { samplingParameters } from './llamacpp-sampling.js';

type RouterStatus = 'loaded' | 'loading' | 'unloaded' | 'failed' | 'sleeping' | string;

/** What a model's status `args` say (the router starts each model's own llama-server with them). */
export interface ModelArgs {
  file?: string;
  ctxSize?: number;
  parallel?: number;
  cacheTypeK?: string;
  cacheTypeV?: string;
  /** --cache-ram in MiB: the host-RAM prompt cache (-1 no limit, 0 none; llama-server's default 8192). */
  cacheRamMiB?: number;
  /**
   * --kv-unified / --no-kv-unified: one KV buffer shared by every slot (llama-server's default
   * when --parallel is not set).
   */
  kvUnified?: boolean;
}

/**
 * What a model's own llama-server says it runs with (GET /props?model=ID&autoload=false, which
 * wakes nothing and loads nothing): the window of one slot (`default_generation_settings.n_ctx`,
 * after --fit), the slots (`total_slots`, after -np -1) and whether it sleeps (`is_sleeping`).
 */
export interface ModelRuntime {
  nCtx: number;
  slots: number;
  sleeping: boolean;
}

export interface RouterModel {
  id: string;
  /** The sampling settings it is started with (its preset's), as Ollama writes parameters: llamacpp-sampling.ts. */
  sampling?: string;
  status: RouterStatus;
  /** Why a load failed, when the router says. */
  failure?: string;
  args: ModelArgs;
}

export interface ServerProps {
  router: boolean;
  /** --models-max (router only). */
  maxInstances?: number;
  build?: string;
  /** A single-model server's model file and context (its /props). */
  single?: ModelArgs;
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The flags that matter for memory, from a status' `args` (both the long and short spellings). */
export function readArgs(args: readonly unknown[]): ModelArgs {
  const out: ModelArgs = {};
  for (let i = 0; i < args.length - 1; i++) {
    const flag = args[i];
    const value = String(args[i + 1]);
    const n = Number(value);
    if (flag === '--model' || flag === '-m') out.file = value;
    else if ((flag === '--ctx-size' || flag === '-c') && Number.isFinite(n)) out.ctxSize = n;
    else if ((flag === '--parallel' || flag === '-np') && Number.isFinite(n)) out.parallel = n;
    else if (flag === '--cache-type-k' || flag === '-ctk') out.cacheTypeK = value;
    else if (flag === '--cache-type-v' || flag === '-ctv') out.cacheTypeV = value;
    else if ((flag === '--cache-ram' || flag === '-cram') && Number.isFinite(n)) out.cacheRamMiB = n;
  }
  // switches without a value (the loop above reads pairs)
  for (const flag of args) {
    if (flag === '--kv-unified' || flag === '-kvu') out.kvUnified = true;
    else if (flag === '--no-kv-unified' || flag === '-no-kvu') out.kvUnified = false;
  }
  return out;
}

/** One entry of GET /models (router) or /v1/models (single model), or undefined when it is not one. */
export function readModel(entry: unknown, single: boolean): RouterModel | undefined {
  if (!isObject(entry) || typeof entry['id'] !== 'string' || entry['id'] === '') return undefined;
  const status = entry['status'];
  if (!isObject(status)) return single ? { id: entry['id'], status: 'loaded', args: {} } : undefined;
  const value = typeof status['value'] === 'string' ? status['value'] : 'unloaded';
  const failed = status['failed'] === true || value === 'failed';
  const raw = Array.isArray(status['args']) ? (status['args'] as unknown[]) : [];
  const args = readArgs(raw);
  const exit = typeof status['exit_code'] === 'number' ? ` (exit code ${status['exit_code']})` : '';
  const sampling = samplingParameters(raw);
  return {
    id: entry['id'],
    status: failed && value === 'unloaded' ? 'failed' : value,
    args,
    ...(sampling && { sampling }),
    ...(failed && { failure: `its last load failed${exit}` }),
  };
}

/** The runtime figures of a model's /props answer, or undefined when they are not there (or not sensible). */
export function readRuntime(props: Json): ModelRuntime | undefined {
  const gen = props['default_generation_settings'];
  const nCtx = isObject(gen) ? gen['n_ctx'] : undefined;
  const slots = props['total_slots'];
  if (typeof nCtx !== 'number' || !Number.isInteger(nCtx) || nCtx <= 0) return undefined;
  return {
    nCtx,
    slots: typeof slots === 'number' && Number.isInteger(slots) && slots > 0 ? slots : 1,
    sleeping: props['is_sleeping'] === true,
  };
}

/** JSON text parsed, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}
