/**
 * Pinned models (settings' model.keepAlive.models and per-call pins) against Ollama's own
 * evictions: after a failed load Ollama evicts every other model, and an out-of-memory during
 * generation expires them all, pins included (server/sched.go, server/routes.go). Pins that went
 * are loaded again; at shutdown pins go back to the normal idle timeout.
 */
import type { KeepAlive } from './load-ops.js';
import { sendLoad } from './load-ops.js';
import type { OllamaBackend, RunningModel } from '../hosts/ollama.js';
import { log } from '../util/log.js';
import type { LoadOutcome, LoadRequest } from './load-types.js';

/** Loads again the pinned models among `before` that Ollama dropped; returns what happened, in words ('' when nothing went). */
export async function restorePins(backend: OllamaBackend, pins: ReadonlySet<string>, before: ReadonlyArray<Pick<RunningModel, 'name' | 'context_length'>>): Promise<string> {
  const now = await backend.ps({ timeoutMs: 5000 });
  const gone = before.filter((r) => !now.some((n) => n.name === r.name));
  if (gone.length === 0) return '';
  const again: string[] = [];
  for (const r of gone.filter((g) => pins.has(g.name))) {
    const ok = await sendLoad(backend, r.name, -1, r.context_length).then(
      () => true,
      () => false,
    );
    if (ok) again.push(r.name);
  }
  const names = gone.map((g) => g.name).join(', ');
  return `Ollama unloaded ${names} after it${again.length ? `; pinned ${again.join(', ')} ${again.length > 1 ? 'were' : 'was'} loaded again` : ''}.`;
}

/** Pinned models still loaded go back to `keepAlive`, with the context they run with (no reload). */
export async function releasePins(backend: OllamaBackend, pins: ReadonlySet<string>, keepAlive: KeepAlive): Promise<void> {
  if (pins.size === 0) return;
  const running = await backend.ps({ timeoutMs: 1000 });
  await Promise.all(running.filter((r) => pins.has(r.name)).map((r) => sendLoad(backend, r.name, keepAlive, r.context_length).catch(() => undefined)));
}

/** At start-up: pinned models that fit without unloading anything are loaded (and pinned); the others are said on stderr. */
export async function loadPins(loader: { pins: ReadonlySet<string>; ensureLoaded(req: LoadRequest): Promise<LoadOutcome> }): Promise<void> {
  for (const name of loader.pins) {
    try {
      const plan = await loader.ensureLoaded({ model: name, dryRun: true });
      if (plan.action === 'refused' || plan.unloaded.length > 0) {
        log.warn(`pinned model ${name} is not loaded: ${plan.action === 'refused' ? plan.reason : `it would need ${plan.unloaded.join(', ')} unloaded first`}; smart_load it when wanted.`);
      } else {
        await loader.ensureLoaded({ model: name, pin: true });
      }
    } catch (err) {
      log.warn(`pinned model ${name}: ${(err as Error).message}`);
    }
  }
}
