/**
 * The Ollama calls that load and unload, and the waits that confirm them, as modern Ollama
 * performs them: `keep_alive: 0` only queues an unload; one worker unloads models one at a time
 * and, on a discrete GPU, waits up to 5 s after each for GPU memory to recover (server/sched.go).
 * So an unload is confirmed by polling /api/ps with a budget of seconds per model.
 */
import type { CatalogModel } from './catalog.js';
import { formatBytes as fmt } from './config/units.js';
import { log } from './log.js';
import type { HostMemory, LoadPlan } from './planner.js';
import { OllamaError, type OllamaBackend, type RunningModel } from './ollama.js';

/** Loading a large model from disk can take minutes. */
export const LOAD_TIMEOUT_MS = 10 * 60_000;
/** Per model unloaded: Ollama's GPU recovery wait (up to 5 s) and the unload itself. */
export const UNLOAD_WAIT_PER_MODEL_MS = Number(process.env.OLLM_UNLOAD_WAIT_PER_MODEL_MS) || 7000;
const POLL_MS = 100;

export type KeepAlive = string | number;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Load only: an empty generate (an empty embed for embedding models). Returns Ollama's load time in ns when it reports one. */
export async function sendLoad(backend: OllamaBackend, name: string, keepAlive: KeepAlive, numCtx: number, options: { embedding?: boolean; signal?: AbortSignal } = {}): Promise<number | undefined> {
  const call = { model: name, timeoutMs: LOAD_TIMEOUT_MS, ...(options.signal && { signal: options.signal }) };
  if (options.embedding) {
    const res = await backend.call(`loading "${name}"`, (c) => c.embed({ model: name, input: [], keep_alive: keepAlive, options: { num_ctx: numCtx } }), call);
    return res.load_duration || undefined;
  }
  const res = await backend.call(`loading "${name}"`, (c) => c.generate({ model: name, prompt: '', keep_alive: keepAlive, options: { num_ctx: numCtx } }), call);
  return res.load_duration || undefined;
}

/** Queues an unload; Ollama carries it out in the background (see waitUntilGone). */
export async function sendUnload(backend: OllamaBackend, name: string, signal?: AbortSignal): Promise<void> {
  await backend.call(`unloading "${name}"`, (c) => c.generate({ model: name, prompt: '', keep_alive: 0 }), { model: name, ...(signal && { signal }) });
}

/**
 * Polls /api/ps until none of `names` is listed. Returns how long that took. Past the budget
 * (UNLOAD_WAIT_PER_MODEL_MS per model), fails with what is still loaded and what to do.
 */
export async function waitUntilGone(backend: OllamaBackend, names: readonly string[], signal?: AbortSignal): Promise<number> {
  if (names.length === 0) return 0;
  const started = Date.now();
  const budget = UNLOAD_WAIT_PER_MODEL_MS * names.length;
  for (;;) {
    const ps = await backend.ps(signal ? { signal } : {});
    const left = names.filter((n) => ps.some((r) => r.name === n));
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > budget) {
      const held = left.map((n) => `${n} (${fmt(ps.find((r) => r.name === n)!.size)})`).join(', ');
      throw new OllamaError(
        'timeout',
        `Ollama at ${backend.host} had not finished unloading after ${Math.round((Date.now() - started) / 1000)} s (it unloads one model at a time and waits for GPU memory after each): still loaded ${held}. Nothing was loaded in their place; try again in a moment, or check \`ollama ps\`.`,
        backend.host,
      );
    }
    await sleep(POLL_MS);
  }
}

/**
 * Polls /api/ps until `model` shows with at least `contextLength` (a copy made with `ollama cp`
 * may show under the name that loaded it: same digest); a short wait, as Ollama lists a model
 * once its load call returns. Resolves with /api/ps as it then was.
 */
export async function confirmLoaded(backend: OllamaBackend, model: string, contextLength: number, options: { digest?: string; signal?: AbortSignal } = {}): Promise<RunningModel[]> {
  let last: RunningModel | undefined;
  for (let i = 0; i < 20; i++) {
    const ps = await backend.ps(options.signal ? { signal: options.signal } : {});
    last = ps.find((r) => r.name === model) ?? (options.digest ? ps.find((r) => r.digest === options.digest) : undefined);
    if (last && (last.context_length ?? contextLength) >= contextLength) return ps;
    await sleep(50);
  }
  const what = last
    ? `it runs with a ${last.context_length}-token context, not the ${contextLength} tokens asked for — the model or the server may cap it (OLLAMA_CONTEXT_LENGTH); shorten the prompt or choose a model with a larger window`
    : 'it is not in /api/ps after loading — another client may have unloaded it; try again';
  throw new OllamaError('server_error', `Ollama at ${backend.host} loaded ${model}, but ${what}.`, backend.host);
}

/** The seed's "memory check" line on stderr: what is free, what is loaded, what is wanted, and the decision. */
export function logMemoryCheck(plan: LoadPlan, running: RunningModel[], memory: HostMemory, model: CatalogModel, dryRun: boolean): void {
  const loaded = running.reduce((s, r) => s + r.size, 0);
  const names = running.length ? ` (${running.map((r) => `${r.name} ${fmt(r.size)}`).join(', ')})` : '';
  const decision =
    plan.action === 'already_loaded'
      ? 'already loaded'
      : plan.action === 'refuse'
        ? 'refuse'
        : plan.unload.length
          ? `unload ${plan.unload.join(', ')} (${fmt(plan.freedBytes)}), then load`
          : 'load, nothing to unload';
  const free = memory.vram ? `VRAM free ${fmt(memory.vram.freeBytes)} of ${fmt(memory.vram.totalBytes)}` : memory.ram ? `available ${fmt(memory.ram.availableBytes)}` : 'capacity unknown';
  log.info(
    `memory check${dryRun ? ' (dry run)' : ''}: ${free}, loaded ${fmt(loaded)}${names}, wanted ${model.name} ${fmt(model.sizeBytes)}, required ${fmt(plan.requiredBytes)}, room ${fmt(plan.availableBytes)} → ${decision}`,
  );
}
