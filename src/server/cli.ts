/**
 * The `ollm-mcp` command. `serve` (the default) speaks MCP on stdio: from then on stdout
 * carries only JSON-RPC and every log line goes to stderr. The other commands (doctor, memory…)
 * are loaded when one is run (run-command.ts); serving loads the orchestrator at its first call
 * (serving.ts).
 */
import { log } from '../orchestrator/util/log.js';
import { parseCli, USAGE, UsageError, type CliArgs } from './args.js';
import { stopOn } from './lifecycle.js';
import { loadSettings } from './load-settings.js';
import type { Serving } from './serving.js';
import { VERSION } from './version.js';

/** The server's own code (the SDK, the catalog, the templates): loaded only by a launch that serves, not by one that forwards. */
const serverCode = () => Promise.all([import('./serving.js'), import('./stdio.js')]);

async function serve(args: CliArgs): Promise<number> {
  const loaded = await loadSettings(args, true);
  if (!loaded) return 1;
  // whatever serves here claims the engines it plans (one plan per engine on this machine: engine-claims-setup.ts)
  const own = async (): Promise<Serving> => (await import('./engine-claims-setup.js')).claimEngines(new (await serverCode())[0].Serving(loaded.config, loaded.project));
  if (args.transport === 'stdio' && !args.noShared && loaded.config.settings.shared.enabled) {
    // Loaded only when shared: a launch forwards to the one server of this user (shared/launch.ts).
    const { launchShared } = await import('./shared/launch.js');
    const shared = await launchShared(args, loaded, async (input, output) => (await serverCode())[1].serveOverStdio(await own(), { input, output }));
    if (shared === true) return -1; // forwarding until stdin closes
    log.warn(`shared server: ${shared} — serving on its own`);
  }
  const serving = await own();
  if (args.transport === 'http') {
    // Loaded only for HTTP: stdio starts without the HTTP adapter's code.
    const { HttpStartError, serveOverHttp } = await import('./http.js');
    // set but empty after trimming is refused (http-guard.ts tokenProblem), never taken for no token
    const token = args.token ?? process.env.OLLM_HTTP_TOKEN;
    const tokenSource = args.token !== undefined ? '--token' : 'OLLM_HTTP_TOKEN';
    try {
      const http = await serveOverHttp(serving, { host: args.host, port: args.port, ...(token !== undefined && { token, tokenSource }) });
      stopOn(serving, () => http.close());
    } catch (err) {
      if (err instanceof HttpStartError) {
        process.stderr.write(`ollm-mcp: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    return -1; // keep running until a signal arrives
  }
  await (await serverCode())[1].serveOverStdio(serving);
  return -1; // keep running until stdin closes or a signal arrives
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ollm-mcp: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }

  if (args.command === 'serve') return serve(args);
  if (args.command === 'daemon') return (await import('./shared/daemon.js')).runDaemon(args);
  const { runCommand } = await import('./run-command.js');
  return runCommand(args);
}

// A command's output piped into `head` (or a closed pager) ends quietly: nothing more to say.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
