/** Serving MCP over stdio, with a start-up note on stderr and a clean exit on signals. */
import v8 from 'node:v8';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Orchestrator } from '../orchestrator/index.js';
import { log } from '../orchestrator/log.js';
import { createServerFactory } from './create-server.js';
import { VERSION } from './version.js';

/**
 * stdout is the protocol's from here on. Libraries that print with console.log (the `ollama`
 * client does on some error answers) would corrupt the stream, so console output goes to stderr.
 */
function keepStdoutForProtocol(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

/**
 * A server that sits beside the user's models should stay small: every MB it holds is a MB a
 * model cannot use. V8 otherwise doubles its young generation under bursts of allocation and
 * sizes the heap for speed; these two flags, which take effect for later heap growth when set at
 * run time, keep RSS after a hundred list_models calls ~7 MB lower at no measurable cost per call
 * (bench/startup prints both). Model work happens in Ollama, not in this process.
 */
function keepHeapSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--optimize-for-size');
}

export async function serveOverStdio(orch: Orchestrator): Promise<void> {
  keepStdoutForProtocol();
  keepHeapSmall();
  // Prompts are registered from the templates read here; the folder is followed from then on.
  await orch.templates.refresh().catch((err: unknown) => log.warn(`templates: ${(err as Error).message}`));
  orch.templates.watch();
  const handle = serveStdio(createServerFactory(orch, { live: true }), {
    onerror: (err) => log.error(`stdio: ${err.message}`),
  });
  log.info(`ollm-mcp ${VERSION} serving MCP on stdio; Ollama at ${orch.host}`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Pinned models go back to the normal idle timeout; Ollama may be gone, so this is bounded.
    const released = Promise.race([Promise.all([orch.loader.releasePins(), orch.metrics.close(), orch.memoryStore.flush()]), new Promise((r) => setTimeout(r, 1500).unref())]);
    void released
      .catch(() => undefined)
      .then(() => handle.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop);

  if (orch.loader.pins.size > 0) void orch.loader.loadPins();
  void orch.metrics.load();
  void orch.preferences.load();

  // Tell the user early when Ollama is not there; tools report it again when called.
  orch.backend.version({ timeoutMs: 3000 }).then(
    (v) => log.info(`Ollama ${v} answers at ${orch.host}`),
    (err: unknown) => log.warn(err instanceof Error ? err.message : String(err)),
  );
}
