/**
 * A stdio launch with the shared server on (settings' shared.enabled, the default): the launch
 * reaches the shared server of this user, version and settings (starting it when none runs) and
 * forwards to it; when it cannot (no private folder, the server refused or never came up), it
 * says why on stderr and the launch serves on its own, as with `--no-shared`.
 */
import { log } from '../../orchestrator/util/log.js';
import { withoutCommand, type CliArgs } from '../args.js';
import type { Loaded } from '../load-settings.js';
import { VERSION } from '../version.js';
import { Forwarder } from './forward.js';
import { clientPart, type Hello } from './hello.js';
import { SharedUnavailable, sharedKey, sharedPlace } from './place.js';
import { reachServer, type Reach } from './reach.js';

export function helloFor(args: CliArgs, loaded: Loaded): Hello {
  const named = args.project ?? (process.env.OLLM_PROJECT?.trim() || undefined);
  return {
    ollm: 'hello',
    version: VERSION,
    key: sharedKey(loaded.config),
    pid: process.pid,
    cwd: process.cwd(),
    ...(named !== undefined && { project: named }),
    ...clientPart(loaded.config.settings),
  };
}

/** Forwarding to the shared server: true once it runs, else why it cannot (the launch then serves on its own). */
export async function launchShared(args: CliArgs, loaded: Loaded): Promise<true | string> {
  try {
    const place = await sharedPlace(loaded.config, VERSION);
    const reach: Reach = {
      place,
      hello: helloFor(args, loaded),
      home: loaded.config.home,
      command: [...process.execArgv, process.argv[1]!, 'daemon', ...withoutCommand(process.argv.slice(2))],
    };
    const { sock, serverPid, rest } = await reachServer(reach);
    log.info(`ollm-mcp ${VERSION} forwarding stdio to the shared server ${serverPid} at ${place.address}`);
    new Forwarder(reach).start(sock, rest);
    return true;
  } catch (err) {
    if (err instanceof SharedUnavailable) return err.message;
    throw err;
  }
}
