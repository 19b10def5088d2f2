/**
 * The `ollm-mcp` command. `serve` (the default) speaks MCP on stdio: from then on stdout
 * carries only JSON-RPC and every log line goes to stderr. The other commands (doctor, memory…)
 * are loaded when one is run (run-command.ts); serving loads the orchestrator at its first call
 * (serving.ts).
 */
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { log } from '../orchestrator/util/log.js';
import type { CliArgs } from './args.js';
import type { Loaded } from './load-settings.js';
import type { Serving } from './serving.js';
import { fingerprint, recall, remember, type Fingerprint } from './shared/memo.js';
import { VERSION } from './version.js';

/**
 * The server's own code (the SDK, the catalog, the templates): loaded only by a launch that serves, not by
 * one that forwards.
 */
const serverCode = () => Promise.all([import('./serving.js'), import('./stdio.js')]);

/**
 * The server of these settings; whatever serves here claims the engines it plans (one plan per engine on this
 * machine: engine-claims-setup.ts).
 */
const own = async (loaded: Loaded): Promise<Serving> =>
  (await import('./engine-claims-setup.js')).claimEngines(
    new (await serverCode())[0].Serving(loaded.config, loaded.project),
  );

/** Serving on stdio's streams, or the forwarder's (a launch whose shared server cannot be had). */
const serveStdio = async (loaded: Loaded, streams?: { input: Readable; output: Writable }) =>
  (await serverCode())[1].serveOverStdio(await own(loaded), streams);

/**
 * What the settings of a stdio launch that may forward are read from, before they are read (memo.ts): kept
 * with its plan if unchanged after.
 */
async function inputsBefore(args: CliArgs): Promise<Fingerprint | undefined> {
  const { settingsFile } = await import('../orchestrator/config/load.js');
  const named = args.project ?? process.env.OLLM_PROJECT?.trim();
  return fingerprint(resolve(named || process.cwd()), settingsFile(args.configFile, process.env));
}

/** Forwarding to the shared server as planned; true once it runs, else why not (the launch then serves on its own). */
async function forward(loaded: Loaded, args: CliArgs, before: Fingerprint | undefined): Promise<true | string> {
  const { planOf } = await import('./shared/settings-plan.js');
  const plan = planOf(args, loaded);
  // what it was read from, unchanged while it was read: the next launch started this way forwards from the memo
  const after = before && (await fingerprint(before.from, loaded.config.file));
  const { stableJson } = await import('../orchestrator/util/stable-json.js');
  if (after && stableJson(after) === stableJson(before))
    await remember(process.argv.slice(2), after, plan).catch((err: Error) =>
      log.debug(`shared server: no memo kept (${err.message})`),
    );
  const { launchShared } = await import('./shared/launch.js');
  return launchShared(plan, (input, output) => serveStdio(loaded, { input, output }));
}

async function serve(args: CliArgs, sharedTried = false): Promise<number> {
  const mayForward = args.transport === 'stdio' && !args.noShared && !sharedTried;
  const before = mayForward ? await inputsBefore(args) : undefined;
  const { loadSettings } = await import('./load-settings.js');
  const loaded = await loadSettings(args, true);
  if (!loaded) return 1;
  if (mayForward && loaded.config.settings.shared.enabled) {
    // a launch forwards to the one server of this user (shared/launch.ts)
    const shared = await forward(loaded, args, before);
    if (shared === true) return -1; // forwarding until stdin closes
    log.warn(`shared server: ${shared} — serving on its own`);
  }
  const serving = await own(loaded);
  if (args.transport === 'http') {
    // Loaded only for HTTP: stdio starts without the HTTP adapter's code.
    const [{ HttpStartError, serveOverHttp }, { stopOn }] = await Promise.all([
      import('./http.js'),
      import('./lifecycle.js'),
    ]);
    // set but empty after trimming is refused (http-guard.ts tokenProblem), never taken for no token
    const token = args.token ?? process.env.OLLM_HTTP_TOKEN;
    const tokenSource = args.token !== undefined ? '--token' : 'OLLM_HTTP_TOKEN';
    try {
      const http = await serveOverHttp(serving, {
        host: args.host,
        port: args.port,
        ...(token !== undefined && { token, tokenSource }),
      });
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

/**
 * A launch started as one that forwarded before (memo.ts): it forwards without loading its
 * settings' code; true once it does. When the shared server cannot be had, it serves on its own
 * (settings loaded then), as a launch that loaded them would; undefined when there is no memo.
 */
async function forwardRemembered(argv: string[]): Promise<number | undefined> {
  const plan = await recall(argv);
  if (!plan) return undefined;
  log.debug('shared server: forwarding as the last launch started this way planned (memo.ts): settings not loaded');
  // no log line shows a key
  log.hide([...new Set(plan.secretNames.map((n) => process.env[n]?.trim() ?? '').filter((v) => v !== ''))]);
  const loadArgs = async (): Promise<{ args: CliArgs; loaded: Loaded }> => {
    const args = (await import('./args.js')).parseCli(argv);
    const loaded = await (await import('./load-settings.js')).loadSettings(args, true);
    if (!loaded) throw new Error('the settings cannot be loaded (see above)');
    return { args, loaded };
  };
  const { launchShared } = await import('./shared/launch.js');
  const shared = await launchShared(plan, async (input, output) =>
    serveStdio((await loadArgs()).loaded, { input, output }),
  );
  if (shared === true) return -1;
  log.warn(`shared server: ${shared} — serving on its own`);
  const { parseCli } = await import('./args.js');
  return serve(parseCli(argv), true);
}

async function main(argv: string[]): Promise<number> {
  const remembered = await forwardRemembered(argv);
  if (remembered !== undefined) return remembered;
  const { parseCli, UsageError } = await import('./args.js');
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
    process.stdout.write(`${(await import('./usage.js')).USAGE}\n`);
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
