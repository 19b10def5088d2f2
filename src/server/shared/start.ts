/**
 * Starting the shared server in this process — the launch that hosts it (host.ts) or `ollm-mcp
 * daemon` (daemon.ts): its lock taken (one per address), its Serving prepared, its socket
 * listening, 0600, in the user's private folder (place.ts). Undefined when another process holds
 * the lock or already answers there.
 */
import { rmSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { log } from '../../orchestrator/util/log.js';
import { stopOn } from '../lifecycle.js';
import type { Loaded } from '../load-settings.js';
import { Serving } from '../serving.js';
import { sweepLeftovers, takeLock } from './lock.js';
import { sharedKey, type Place } from './place.js';
import { connectTo } from './reach.js';
import { SharedServer } from './shared-server.js';

export interface Started {
  server: SharedServer;
  /** No new client from now on, the socket and the lock removed (once; at exit too): the next server may take the place. */
  leave(): void;
  /** The whole stop (lifecycle.ts stopOn, which SIGINT and SIGTERM run too): work in flight cancelled, every client closed, the process gone. */
  stop(): void;
}

/** Whether a server already answers at the address (another shared server started first). */
async function answering(address: string): Promise<boolean> {
  try {
    (await connectTo(address)).destroy();
    return true;
  } catch {
    return false;
  }
}

export async function startShared(loaded: Loaded, place: Place): Promise<Started | undefined> {
  if (!(await takeLock(place.lock))) return undefined;
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    if (process.platform !== 'win32') rmSync(place.address, { force: true });
    rmSync(place.lock, { force: true });
  };
  process.once('exit', release);
  await sweepLeftovers(place.lock);
  try {
    if (await answering(place.address)) {
      release();
      return undefined;
    }
    if (process.platform !== 'win32') await rm(place.address, { force: true }); // left by one that was killed
    const serving = new Serving(loaded.config, loaded.project);
    const catalog = await serving.catalog();
    await serving.prepare();
    const server = new SharedServer(serving, catalog, sharedKey(loaded.config));
    void serving.core().then(
      (core) => void (core.orch.clients = () => server.list()),
      () => undefined,
    );
    const listener = createServer((sock) => void server.accept(sock).catch((err: unknown) => log.error(`shared server: ${(err as Error).message}`)));
    await new Promise<void>((done, fail) => {
      listener.once('error', fail);
      listener.listen(place.address, done);
    });
    if (process.platform !== 'win32') await chmod(place.address, 0o600);
    const leave = () => {
      server.stopping = true;
      listener.close();
      release();
    };
    let stop = () => undefined as void;
    // the other clients are let go first: their calls in flight go to the next server, not cancelled here
    const stopping = { stop: (withinMs: number) => (server.letOthersGo(), serving.stop(withinMs)) };
    stopOn(
      stopping,
      async () => {
        leave();
        await server.closeAll();
      },
      (s) => (stop = s),
    );
    return { server, leave, stop: () => stop() };
  } catch (err) {
    release();
    throw err;
  }
}
