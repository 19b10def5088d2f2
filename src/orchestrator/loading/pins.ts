/**
 * Pinned models (settings' model.keepAlive.models and per-call pins) against Ollama's own
 * evictions: after a failed load Ollama evicts every other model, and an out-of-memory during
 * generation expires them all, pins included (server/sched.go, server/routes.go). Pins that went
 * are loaded again; at shutdown pins go back to the normal idle timeout.
 */
import type { KeepAlive } from './load-ops.js';
import { sendLoad } from './load-ops.js';
import type { OllamaBackend, RunningModel } from '../hosts/ollama.js';

/** The context a pin is loaded with again when /api/ps did not say (Ollama's default). */
const DEFAULT_CONTEXT = 4096;

/** Loads again the pinned models among `before` that Ollama dropped; returns what happened, in words ('' when nothing went). */
export async function restorePins(backend: OllamaBackend, pins: ReadonlySet<string>, before: ReadonlyArray<Pick<RunningModel, 'name' | 'context_length'>>): Promise<string> {
  const now = await backend.ps({ timeoutMs: 5000 });
  const gone = before.filter((r) => !now.some((n) => n.name === r.name));
  if (gone.length === 0) return '';
  const again: string[] = [];
  for (const r of gone.filter((g) => pins.has(g.name))) {
    const ok = await sendLoad(backend, r.name, -1, r.context_length ?? DEFAULT_CONTEXT).then(
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
  await Promise.all(running.filter((r) => pins.has(r.name)).map((r) => sendLoad(backend, r.name, keepAlive, r.context_length ?? DEFAULT_CONTEXT).catch(() => undefined)));
}
