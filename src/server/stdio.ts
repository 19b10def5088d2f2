/** Serving MCP over stdio, with a start-up note on stderr and a clean exit on signals. */
import type { Readable, Writable } from 'node:stream';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { displayHost } from '../orchestrator/config/host.js';
import { log } from '../orchestrator/util/log.js';
import { createServerFactory } from './create-server.js';
import { keepHeapSmall, stopOn } from './lifecycle.js';
import type { Serving } from './serving.js';
import { MAX_MESSAGE_BYTES, TOO_LARGE_CODE, tooLargeMessage } from './limits.js';
import { LineLimit, type Oversized } from './stdio-limit.js';
import { VERSION } from './version.js';

/**
 * stdout is the protocol's from here on. Libraries that print with console.log (the `ollama`
 * client does on some error answers) would corrupt the stream, so console output goes to stderr.
 */
export function keepStdoutForProtocol(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

/**
 * The SDK's stdio transport with the answer to one request left out: a launch that answered the
 * client's initialize from the build's record hands the client to its own server with that
 * initialize, whose answer the client already has (shared/host.ts).
 */
class SwallowingTransport extends StdioServerTransport {
  constructor(
    input: Readable,
    output: Writable,
    options: ConstructorParameters<typeof StdioServerTransport>[2],
    private swallow: string | number | undefined,
  ) {
    super(input, output, options);
  }

  override async send(...args: Parameters<StdioServerTransport['send']>): Promise<void> {
    const [message] = args;
    if (this.swallow !== undefined && !('method' in message) && 'id' in message && message.id === this.swallow) {
      this.swallow = undefined;
      return;
    }
    return super.send(...args);
  }
}

/**
 * The SDK's stdio transport, reading through LineLimit: a line over MAX_MESSAGE_BYTES never
 * reaches it (it would end the session), and a request sent that way is answered with an error.
 * `input` and `output` are stdin and stdout, or a shared server's connection (shared/shared-server.ts);
 * `swallow`: the id of a request whose answer is not written (SwallowingTransport).
 */
export function boundedTransport(input: Readable, output: Writable, swallow?: string | number): StdioServerTransport {
  const lines = new LineLimit(MAX_MESSAGE_BYTES, (what: Oversized) => {
    log.warn(
      `stdio: refused a message of ${what.bytes} bytes (over ` +
        `${MAX_MESSAGE_BYTES})${what.id !== null ? `, request ${JSON.stringify(what.id)}` : ''}`,
    );
    if (what.unanswerable) return;
    const error = { code: TOO_LARGE_CODE, message: tooLargeMessage(what.bytes, what.filling) };
    // Without a readable id the error goes out without one, as MCP's schema allows.
    void transport
      .send(what.id === null ? { jsonrpc: '2.0', error } : { jsonrpc: '2.0', id: what.id, error })
      .catch((err: unknown) => log.error(`stdio: ${(err as Error).message}`));
  });
  input.pipe(lines);
  input.on('error', (err) => lines.emit('error', err)); // reported by the transport, as before
  // Every line it passes on is at most MAX_MESSAGE_BYTES plus its newline.
  const options = { maxBufferSize: MAX_MESSAGE_BYTES + 1 };
  const transport =
    swallow === undefined
      ? new StdioServerTransport(lines, output, options)
      : new SwallowingTransport(lines, output, options, swallow);
  return transport;
}

/**
 * Serving on stdio — or on `io`: a launch that read its client first forwards to its own server there
 * (shared/launch.ts).
 */
export async function serveOverStdio(
  serving: Serving,
  io: { input: Readable; output: Writable } = { input: process.stdin, output: process.stdout },
): Promise<void> {
  keepStdoutForProtocol();
  keepHeapSmall();
  const catalog = await serving.catalog();
  await serving.prepare();
  // One server for the session: its prompts follow the templates folder.
  const handle = serveStdio(createServerFactory(serving, catalog, { live: true }), {
    transport: boundedTransport(io.input, io.output),
    onerror: (err) => log.error(`stdio: ${err.message}`),
  });
  log.info(`ollm-mcp ${VERSION} serving MCP on stdio; Ollama at ${displayHost(serving.settings.ollama.host)}`);
  stopOn(
    serving,
    () => handle.close(),
    (stop) => io.input.once('end', stop),
  );
}
