/** Serving MCP over stdio, with a start-up note on stderr and a clean exit on signals. */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Orchestrator } from '../orchestrator/index.js';
import { log } from '../orchestrator/log.js';
import { createServerFactory } from './create-server.js';
import { keepHeapSmall, prepare, stopOn } from './lifecycle.js';
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

export async function serveOverStdio(orch: Orchestrator): Promise<void> {
  keepStdoutForProtocol();
  keepHeapSmall();
  await prepare(orch);
  // One server for the session: its prompts follow the templates folder.
  const handle = serveStdio(createServerFactory(orch, { live: true }), {
    onerror: (err) => log.error(`stdio: ${err.message}`),
  });
  log.info(`ollm-mcp ${VERSION} serving MCP on stdio; Ollama at ${orch.host}`);
  stopOn(orch, () => handle.close(), (stop) => process.stdin.once('end', stop));
}
