/** What every transport does around serving: the start-up chores, and a bounded, clean stop. */
import v8 from 'node:v8';
import type { Orchestrator } from '../orchestrator/index.js';
import { closeStateDbs } from '../orchestrator/storage/db.js';
import { log } from '../orchestrator/util/log.js';

/**
 * A server that sits beside the user's models should stay small: every MB it holds is a MB a
 * model cannot use. V8 otherwise doubles its young generation under bursts of allocation and
 * sizes the heap for speed; these two flags, which take effect for later heap growth when set at
 * run time, keep RSS after a hundred list_models calls ~7 MB lower at no measurable cost per call
 * (bench/startup prints both). Model work happens in Ollama, not in this process.
 */
export function keepHeapSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--optimize-for-size');
}

/** Templates read (prompts are registered from them) and followed; pins loaded; Ollama greeted. The shared state is read when a tool first needs it (orch.stateRead). */
export async function prepare(orch: Orchestrator): Promise<void> {
  await orch.templates.refresh().catch((err: unknown) => log.warn(`templates: ${(err as Error).message}`));
  orch.templates.watch();
  if (orch.loader.pins.size > 0) void orch.loader.loadPins();
  // Tell the user early when Ollama is not there; tools report it again when called.
  orch.backend.version({ timeoutMs: 3000 }).then(
    (v) => log.info(`Ollama ${v} answers at ${orch.host}`),
    (err: unknown) => log.warn(err instanceof Error ? err.message : String(err)),
  );
}

/** The whole stop may take this long; the process exits then whatever is left. */
const EXIT_WITHIN_MS = 1800;

/**
 * On SIGINT/SIGTERM (and `also`, e.g. stdin closing): work in flight is cancelled (Ollama streams
 * closed), pins released and state written, then the transport closes and the process exits.
 */
export function stopOn(orch: Orchestrator, closeTransport: () => Promise<void>, also?: (stop: () => void) => void): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), EXIT_WITHIN_MS).unref();
    void orch
      .shutdown(EXIT_WITHIN_MS - 300)
      .then(closeStateDbs) // folds the write-ahead log into state.db: a copy of that file alone is a backup
      .then(closeTransport)
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  // Kept for the life of the process (not `once`): a second signal during the stop changes nothing.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  also?.(stop);
}
