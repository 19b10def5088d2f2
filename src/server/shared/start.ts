/**
 * Starting the shared server in this process — the launch that hosts it (host.ts) or `ollm-mcp
 * daemon` (daemon.ts): its lock taken (one per address), its Serving prepared, its socket
 * listening, 0600, in the user's private folder (place.ts). Undefined when another process holds
 * the lock or already answers there.
 */
import { rmSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { log } from '../../orchestrator/util/log.js';
import type { Loaded } from '../load-settings.js';
import { Serving } from '../serving.js';
import { sweepLeftovers, takeLock } from './lock.js';
import { sharedKey, type Place } from './place.js';
import { connectTo } from './reach.js';
import { SharedServer } from './shared-server.js';

export interface Started {
  server: SharedServer;
  serving: Serving;
  listener: Server;
  /** The socket and the lock removed (once; at exit too): the next server may take the place. */
  release(): void;
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
    return { server, serving, listener, release };
  } catch (err) {
    release();
    throw err;
  }
}
