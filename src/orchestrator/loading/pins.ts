/**
 * Pinned models (settings' model.keepAlive.models and per-call pins) against Ollama's own
 * evictions: after a failed load Ollama evicts every other model, and an out-of-memory during
 * generation expires them all, pins included (server/sched.go, server/routes.go). Pins that went
 * are loaded again through the planner (here after a failed load; pin-keeper.ts after any other
 * eviction); at shutdown pins go back to the normal idle timeout.
 */
import type { KeepAlive } from './load-ops.js';
import { sendLoad } from './load-ops.js';
import { engineName, type Engine } from '../engines/engine.js';
import { type RunningModel } from '../engines/engine-model.js';
import { log } from '../util/log.js';
import type { LoadOutcome, LoadRequest } from './load-types.js';
import type { RestoreResult } from './pin-keeper.js';

/**
 * In the load queue, after a failed load (or a first attempt that ran out of memory): the pinned
 * models among `before` that Ollama dropped are loaded again through `reload` (the planner);
 * returns what happened, in words ('' when nothing went).
 */
export async function restoreGone(
  backend: Engine,
  pins: ReadonlySet<string>,
  before: ReadonlyArray<Pick<RunningModel, 'name' | 'context_length'>>,
  reload: (name: string, contextLength: number | undefined) => Promise<RestoreResult>,
): Promise<string> {
  const now = await backend.ps({ timeoutMs: 5000 });
  const gone = before.filter((r) => !now.some((n) => n.name === r.name));
  if (gone.length === 0) return '';
  const again: string[] = [];
  for (const r of gone.filter((g) => pins.has(g.name))) {
    const result = await reload(r.name, r.context_length).catch((): RestoreResult => ({
      state: 'failed',
      why: 'the load failed',
    }));
    if (result.state === 'loaded') again.push(r.name);
  }
  const names = gone.map((g) => g.name).join(', ');
  return (
    `${engineName(backend)} unloaded ${names} after ` +
    `it${again.length ? `; pinned ${again.join(', ')} ${again.length > 1 ? 'were' : 'was'} loaded again` : ''}.`
  );
}

/**
 * In the load queue: a pin still pinned and missing from /api/ps is loaded again (`reload`); one still listed
 * (even on its way out) is left.
 */
export async function restorePin(
  backend: Engine,
  pins: ReadonlySet<string>,
  reload: (name: string, contextLength: number | undefined) => Promise<RestoreResult>,
  name: string,
  contextLength: number | undefined,
): Promise<RestoreResult> {
  if (!pins.has(name)) return { state: 'unpinned' };
  if ((await backend.ps({ timeoutMs: 5000 })).some((r) => r.name === name)) return { state: 'present' };
  return reload(name, contextLength);
}

/**
 * In the load queue: loads a pin again through the planner (`decide`), with the context it ran with, only
 * when that unloads nothing.
 */
export async function reloadPin(
  decide: (req: LoadRequest) => Promise<LoadOutcome>,
  name: string,
  contextLength: number | undefined,
): Promise<RestoreResult> {
  const req: LoadRequest = { model: name, pin: true, ...(contextLength !== undefined && { contextLength }) };
  const plan = await decide({ ...req, dryRun: true });
  if (plan.action === 'already_loaded') return { state: 'present' };
  if (plan.action === 'refused') return { state: 'no_room', why: plan.reason };
  if (plan.unloaded.length)
    return { state: 'no_room', why: `it would need ${plan.unloaded.join(', ')} unloaded first` };
  await decide(req);
  return { state: 'loaded' };
}

/** Pinned models still loaded go back to `keepAlive`, with the context they run with (no reload). */
export async function releasePins(backend: Engine, pins: ReadonlySet<string>, keepAlive: KeepAlive): Promise<void> {
  if (pins.size === 0) return;
  const running = await backend.ps({ timeoutMs: 1000 });
  await Promise.all(
    running
      .filter((r) => pins.has(r.name))
      .map((r) => sendLoad(backend, r.name, keepAlive, r.context_length).catch(() => undefined)),
  );
}

/**
 * At start-up: pinned models that fit without unloading anything are loaded (and pinned); the others are said
 * on stderr.
 */
export async function loadPins(loader: {
  pins: ReadonlySet<string>;
  ensureLoaded(req: LoadRequest): Promise<LoadOutcome>;
}): Promise<void> {
  for (const name of loader.pins) {
    try {
      const plan = await loader.ensureLoaded({ model: name, dryRun: true });
      if (plan.action === 'refused' || plan.unloaded.length > 0) {
        log.warn(
          `pinned model ${name} is not loaded: ` +
            `${plan.action === 'refused' ? plan.reason : `it would need ${plan.unloaded.join(', ')} unloaded first`}; ` +
            `smart_load it when wanted.`,
        );
      } else {
        await loader.ensureLoaded({ model: name, pin: true });
      }
    } catch (err) {
      log.warn(`pinned model ${name}: ${(err as Error).message}`);
    }
  }
}
