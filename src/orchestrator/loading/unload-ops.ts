/**
 * The Ollama calls that unload, and the waits that confirm them, as modern Ollama performs them:
 * `keep_alive: 0` only queues an unload; one worker unloads models one at a time and, on a
 * discrete GPU, waits up to 5 s after each for GPU memory to recover (server/sched.go). So an
 * unload is confirmed by polling /api/ps with a budget of seconds per model.
 */
import { withTag } from '../engines/model-names.js';
import type { UnloadOutcome } from './load-types.js';
import { formatBytes as fmt } from '../config/units.js';
import { log } from '../util/log.js';
import { sleep } from '../util/sleep.js';
import type { PhaseReporter } from '../progress/progress.js';
import { engineName, type Engine } from '../engines/engine.js';
import { HostError } from '../engines/host-error.js';

/** Per model unloaded: Ollama's GPU recovery wait (up to 5 s) and the unload itself. */
export const UNLOAD_WAIT_PER_MODEL_MS = Number(process.env.OLLM_UNLOAD_WAIT_PER_MODEL_MS) || 7000;
const POLL_MS = 100;

/** Unloads `names` and waits until /api/ps no longer lists them; returns how long Ollama took (ms). */
export async function unloadAndConfirm(
  backend: Engine,
  names: readonly string[],
  signal?: AbortSignal,
  progress?: PhaseReporter,
): Promise<number> {
  progress?.enter({ kind: 'unloading', models: names });
  for (const name of names) await sendUnload(backend, name, signal);
  const ms = await waitUntilGone(backend, names, signal);
  log.info(`unloaded ${names.join(', ')} (${engineName(backend)} took ${ms} ms)`);
  return ms;
}

/** Queues an unload; Ollama carries it out in the background (see waitUntilGone). */
async function sendUnload(backend: Engine, name: string, signal?: AbortSignal): Promise<void> {
  await backend.unload(name, { model: name, ...(signal && { signal }) });
}

/**
 * On an engine that loads and unloads by itself, nothing is ollm-mcp's to unload: a model named is asked of
 * it (it refuses, saying so), and none counts as unloaded.
 */
export async function unloadUnplanned(
  backend: Engine,
  target: { models: string[] } | { all: true },
  signal?: AbortSignal,
): Promise<UnloadOutcome> {
  if ('all' in target || target.models.length === 0) return { unloaded: [], kept: [], notLoaded: [] };
  await backend.unload(target.models[0]!, signal ? { signal } : {});
  return { unloaded: [], kept: [], notLoaded: target.models };
}

/**
 * Unloads by name, or every loaded model for `all`. Naming a pinned model unpins it (the user
 * asked); `all` keeps pinned models unless `includePinned`. Models with requests running stay.
 */
export async function unloadModels(
  backend: Engine,
  target: { models: string[] } | { all: true; includePinned?: boolean },
  state: { pins: Set<string>; busy(name: string): boolean },
  signal?: AbortSignal,
): Promise<UnloadOutcome> {
  const running = await backend.ps({ signal });
  const loadedNames = running.map((r) => r.name);
  const out: UnloadOutcome = { unloaded: [], kept: [], notLoaded: [] };
  const wanted =
    'models' in target
      ? target.models.map((m) => {
          const name = loadedNames.find((n) => n === m || n === withTag(m)) ?? withTag(m);
          state.pins.delete(name);
          return name;
        })
      : loadedNames;
  for (const name of wanted) {
    if (!loadedNames.includes(name)) out.notLoaded.push(name);
    else if (state.busy(name)) out.kept.push({ model: name, why: 'a request is running on it' });
    else if ('all' in target && !target.includePinned && state.pins.has(name))
      out.kept.push({ model: name, why: 'pinned (includePinned: true unloads it too)' });
    else {
      await sendUnload(backend, name, signal);
      out.unloaded.push(name);
    }
  }
  if ('all' in target && target.includePinned) state.pins.clear();
  if (out.unloaded.length) out.unloadWaitMs = await waitUntilGone(backend, out.unloaded, signal);
  return out;
}

/**
 * Polls /api/ps until none of `names` is listed. Returns how long that took. Past the budget
 * (UNLOAD_WAIT_PER_MODEL_MS per model), fails with what is still loaded and what to do.
 */
async function waitUntilGone(backend: Engine, names: readonly string[], signal?: AbortSignal): Promise<number> {
  if (names.length === 0) return 0;
  const started = Date.now();
  const budget = UNLOAD_WAIT_PER_MODEL_MS * names.length;
  for (;;) {
    const ps = await backend.ps(signal ? { signal } : {});
    const left = names.filter((n) => ps.some((r) => r.name === n));
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > budget) {
      const held = left.map((n) => `${n} (${fmt(ps.find((r) => r.name === n)!.size)})`).join(', ');
      throw new HostError(
        'timeout',
        `${backend.who} had not finished unloading after ` +
          `${Math.round((Date.now() - started) / 1000)} s (it unloads one model at a time and waits ` +
          `for GPU memory after each; the wait is ${Math.round(UNLOAD_WAIT_PER_MODEL_MS / 1000)} s ` +
          `per model, set by OLLM_UNLOAD_WAIT_PER_MODEL_MS): still loaded ${held}. Nothing was loaded ` +
          `in their place; try again in a moment, or check \`ollama ps\`.`,
        backend.host,
      );
    }
    await sleep(POLL_MS);
  }
}
