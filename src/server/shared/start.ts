/**
 * Starting the shared server in this process — the launch that hosts it (host.ts) or `ollm-mcp
 * daemon` (daemon.ts): its lock taken (one per address), its Serving prepared, its socket
 * listening, 0600, in the user's private folder (place.ts). Undefined when another process holds
 * the lock or already answers there. Once listening, a server started for a new launch (not one
 * moving from a server that left) or as the daemon takes over its $OLLM_HOME: older servers there
 * retire (retire.ts) — and again whenever a new launch joins it.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, rmSync } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { log } from '../../orchestrator/util/log.js';
import { stopOn } from '../lifecycle.js';
import type { Loaded } from '../load-settings.js';
import { Serving } from '../serving.js';
import { claimEngines } from '../engine-claims-setup.js';
import { VERSION } from '../version.js';
import { thisBuild } from './build.js';
import type { Retire } from './control.js';
import { LOCK_START_MS, sweepLeftovers, takeLock, type Proof } from './lock.js';
import { placeIn, retiringName, sharedKey, type Place } from './place.js';
import { takeOver, type Me } from './retire.js';
import { connectTo } from './reach.js';
import { SharedServer } from './shared-server.js';
import { logFile } from './spawn.js';
import { askWho } from './who.js';

export interface Started {
  server: SharedServer;
  /** What it serves (its calls relayed by the other servers of the machine among them). */
  serving: Serving;
  /**
   * No new client from now on, the socket and the lock removed (once; at exit too): the next server may take
   * the place.
   */
  leave(): void;
  /**
   * The whole stop (lifecycle.ts stopOn, which SIGINT and SIGTERM run too): work in flight cancelled, every
   * client closed, the process gone.
   */
  stop(): void;
}

export interface StartAs {
  /** Started by `ollm-mcp daemon` (else by a launch, which hosts it). */
  daemon: boolean;
  /**
   * Started for a new launch or as the daemon: older servers of its $OLLM_HOME retire (a launch moving from a
   * server that left takes nothing over).
   */
  takeOver: boolean;
}

/**
 * The proof a lock at `place` asks of its holder: the server at its socket answering `who` with the pid the
 * lock names, within 2 s.
 */
const proofAt = (place: Place): Proof => ({
  startMs: LOCK_START_MS,
  proves: async (pid) => {
    const sock = await connectTo(place.address).catch(() => undefined);
    if (!sock) return 'absent';
    sock.destroy();
    return (await askWho(place.address, 2000))?.pid === pid ? 'proven' : 'silent';
  },
});

/**
 * Whether a server already answers at the address as a shared server (another started first); one that
 * accepts but does not answer — suspended, hung — is not one.
 */
const answering = async (address: string): Promise<boolean> => (await askWho(address, 1500)) !== undefined;

/** A socket file's identity (device and inode): which server's it is, whatever its name. */
const socketId = (path: string): string | undefined => {
  try {
    const s = lstatSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
};

/**
 * `place`'s socket listening, 0600, each connection accepted by `server`; with the socket's
 * identity. It is bound under a name of its own and renamed into place: Node (libuv) unlinks a
 * socket by the name it was bound to when it closes, which at the place's name would remove the
 * socket of a server that took the place meanwhile (this one suspended and replaced).
 */
async function listenAt(place: Place, server: SharedServer): Promise<{ listener: Server; id?: string }> {
  const listener = createServer(
    (sock) => void server.accept(sock).catch((err: unknown) => log.error(`shared server: ${(err as Error).message}`)),
  );
  const listen = (address: string) =>
    new Promise<void>((done, fail) => {
      listener.once('error', fail);
      listener.listen(address, done);
    });
  if (process.platform === 'win32') {
    await listen(place.address);
    return { listener };
  }
  const bound = join(place.dir, `.${process.pid}-${randomBytes(3).toString('hex')}.sock`);
  try {
    await listen(bound);
    await chmod(bound, 0o600);
    const id = socketId(bound);
    await rename(bound, place.address);
    return { listener, ...(id && { id }) };
  } catch (err) {
    listener.close();
    await rm(bound, { force: true });
    throw err;
  }
}

/**
 * Retiring (once): no new client; the server listens at a place of its own (`retiring-<pid>`,
 * where `ollm-mcp shared` finds it) and frees the shared one; it stops once no client is left —
 * a host's own client leaving hands the others over as ever (host.ts). How many clients it serves.
 */
function retiring(server: SharedServer, line: Retire, moveAside: () => Promise<void>, stop: () => void): number {
  const clients = server.list().length;
  if (server.retiring || server.stopping) return clients;
  server.retiring = true;
  log.info(
    `shared server ${process.pid}: retiring: ${line.why} (server ${line.by}); no new client ` +
      `here, exiting once ${clients === 1 ? 'its client has' : `its ${clients} clients have`} left`,
  );
  server.onRetired = stop;
  void moveAside().then(() => server.size === 0 && stop());
  return clients;
}

/**
 * The place a server holds (its socket and lock removed at exit) and listens at: the shared one, then —
 * retiring — one of its own.
 */
class Holding {
  private held: Place | undefined;
  private listener: Server | undefined;
  /** The identity of the socket this server listens on (a file at the place's name may be another's). */
  private socket: string | undefined;

  constructor(private readonly place: Place) {
    this.held = place;
    process.once('exit', () => this.release());
  }

  /**
   * The socket and the lock removed (once): the next server may take the place — unless the lock
   * names another pid by now (this server stopped answering and the next one took its place:
   * those are the next one's files). The socket is removed only while it is this server's own.
   */
  release(): void {
    if (!this.held) return;
    const held = this.held;
    this.held = undefined;
    let mine: boolean;
    try {
      mine = readFileSync(held.lock, 'utf8') === String(process.pid);
    } catch {
      mine = true; // gone: nothing of another's to keep
    }
    if (!mine) return;
    if (process.platform !== 'win32' && this.socket !== undefined && socketId(held.address) === this.socket)
      rmSync(held.address, { force: true });
    rmSync(held.lock, { force: true });
    // a started daemon's stderr (spawn.ts): kept only while it runs, or after a crash
    rmSync(logFile(held), { force: true });
  }

  async listen(server: SharedServer): Promise<void> {
    ({ listener: this.listener, id: this.socket } = await listenAt(this.place, server));
  }

  /** No connection taken from now on, the place released. */
  close(): void {
    this.listener?.close();
    this.release();
  }

  /** Listening at `retiring-<pid>` (its lock beside it) rather than the shared place, which is freed. */
  async moveAside(server: SharedServer): Promise<void> {
    const aside = placeIn(this.place.dir, retiringName(process.pid));
    try {
      await writeFile(aside.lock, String(process.pid), { mode: 0o600 });
      // its log goes with it (none when run by hand)
      await rename(logFile(this.place), logFile(aside)).catch(() => undefined);
      const { listener, id } = await listenAt(aside, server);
      this.close();
      [this.listener, this.held, this.socket] = [listener, aside, id];
    } catch (err) {
      log.warn(
        `shared server: could not move aside to ${aside.address} (${(err as Error).message}): ` +
          `leaving the place, unlisted`,
      );
      this.close();
    }
  }
}

export async function startShared(loaded: Loaded, place: Place, as: StartAs): Promise<Started | undefined> {
  if (!(await takeLock(place.lock, undefined, proofAt(place)))) return undefined;
  const holding = new Holding(place);
  await sweepLeftovers(place.lock);
  try {
    if (await answering(place.address)) {
      holding.release();
      return undefined;
    }
    if (process.platform !== 'win32') await rm(place.address, { force: true }); // left by one that was killed
    // it plans the engines no other server of this user does (engine-claims-setup.ts)
    const serving = claimEngines(new Serving(loaded.config, loaded.project));
    const catalog = await serving.catalog();
    await serving.prepare();
    const key = sharedKey(loaded.config);
    const server = new SharedServer(serving, catalog, key);
    void serving.core().then(
      (core) => void (core.orch.clients = () => server.list()),
      () => undefined,
    );
    await holding.listen(server);
    const leave = () => {
      server.stopping = true;
      holding.close();
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
    const me: Me = { pid: process.pid, build: thisBuild(), key, home: loaded.config.home, fresh: as.takeOver };
    const since = new Date().toISOString();
    server.controls = {
      who: () => ({
        ollm: 'clients',
        pid: process.pid,
        version: VERSION,
        build: me.build.id,
        builtAt: me.build.at,
        key,
        home: loaded.config.home,
        file: loaded.config.file,
        since,
        daemon: as.daemon,
        retiring: server.retiring,
        clients: server.list(),
      }),
      retire: (line) =>
        retiring(
          server,
          line,
          () => holding.moveAside(server),
          () => stop(),
        ),
      stop: () => stop(),
    };
    server.onFresh = () => void takeOver({ ...me, fresh: true }, place.dir);
    if (as.takeOver) void takeOver(me, place.dir);
    return { server, serving, leave, stop: () => stop() };
  } catch (err) {
    holding.release();
    throw err;
  }
}
