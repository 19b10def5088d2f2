/** Serving MCP over stdio, with a start-up note on stderr and a clean exit on signals. */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Orchestrator } from '../orchestrator/index.js';
import { log } from '../orchestrator/log.js';
import { createServerFactory } from './create-server.js';
import { VERSION } from './version.js';

export async function serveOverStdio(orch: Orchestrator): Promise<void> {
  const handle = serveStdio(createServerFactory(orch), {
    onerror: (err) => log.error(`stdio: ${err.message}`),
  });
  log.info(`ollm-mcp ${VERSION} serving MCP on stdio; Ollama at ${orch.host}`);

  const stop = () => {
    void handle.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  // Tell the user early when Ollama is not there; tools report it again when called.
  orch.backend.version({ timeoutMs: 3000 }).then(
    (v) => log.info(`Ollama ${v} answers at ${orch.host}`),
    (err: unknown) => log.warn(err instanceof Error ? err.message : String(err)),
  );
}
