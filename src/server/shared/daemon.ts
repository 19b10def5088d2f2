/**
 * The shared server (`ollm-mcp daemon`, started by a launch: reach.ts): one Serving — one core,
 * one planner and one loader per host, with every client's requests in flight and pins — and, per
 * connection, one MCP server over the socket that sees its client's folder, project and own
 * settings (core.ts Session), as the HTTP transport serves its sessions. It listens only in the
 * user's private folder (place.ts), holds a lock for its life so one runs per address, answers
 * `who` (doctor), and exits `shared.idleSeconds` after its last client leaves, leaving nothing.
 */
import { rmSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { ConnectedClient } from '../../orchestrator/orchestrator.js';
import { ProjectError, resolveProject } from '../../orchestrator/project/project.js';
import { log } from '../../orchestrator/util/log.js';
import { ALL_TOOL_NAMES } from '../../tools/toolsets.js';
import type { CliArgs } from '../args.js';
import type { Catalog } from '../catalog.js';
import type { Session } from '../core.js';
import { createServerFactory, type Front } from '../create-server.js';
import { keepHeapSmall, stopOn } from '../lifecycle.js';
import { loadSettings } from '../load-settings.js';
import { Serving } from '../serving.js';
import { boundedTransport, keepStdoutForProtocol } from '../stdio.js';
import { VERSION } from '../version.js';
import { firstLine, helloSchema, parseLine, whoSchema, withClientSettings, type Hello, type WhoAnswer } from './hello.js';
import { takeLock } from './lock.js';
import { connectTo } from './reach.js';
import { SharedUnavailable, sharedKey, sharedPlace, type Place } from './place.js';

/** A connection must say hello (or who) this soon. */
const HELLO_WITHIN_MS = 5000;

interface Connected {
  hello: Hello;
  since: string;
  project?: string | undefined;
  server?: McpServer;
  close(): Promise<void>;
}

/** Each client as ollm://fleet and doctor show it. */
function describe(c: Connected): ConnectedClient {
  const info = c.server?.server.getClientVersion();
  return { ...(info && { name: info.name, version: info.version }), pid: c.hello.pid, cwd: c.hello.cwd, ...(c.project && { project: c.project }), since: c.since };
}

function refuse(sock: Socket, why: string): void {
  log.warn(`shared server: refused a launch: ${why}`);
  sock.end(`${JSON.stringify({ ollm: 'refused', why })}\n`);
}

class Daemon {
  private readonly open = new Set<Socket>();
  private readonly clients = new Map<Socket, Connected>();
  private idle: NodeJS.Timeout | undefined;
  stopping = false;
  stop: () => void = () => undefined;

  constructor(
    private readonly serving: Serving,
    private readonly catalog: Catalog,
    private readonly key: string,
    private readonly idleMs: number,
  ) {}

  list(): ConnectedClient[] {
    return [...this.clients.values()].map(describe);
  }

  /** Exits idleMs after the last connection closed (or after start, when none comes). */
  arm(): void {
    clearTimeout(this.idle);
    if (this.open.size > 0 || this.stopping) return;
    this.idle = setTimeout(() => {
      log.info(`shared server: no client for ${this.idleMs / 1000} s: exiting`);
      this.stop();
    }, this.idleMs);
  }

  async accept(sock: Socket): Promise<void> {
    if (this.stopping) return void sock.destroy();
    this.open.add(sock);
    clearTimeout(this.idle);
    sock.on('error', (err) => log.debug(`shared server connection: ${err.message}`));
    sock.once('close', () => {
      this.open.delete(sock);
      const c = this.clients.get(sock);
      this.clients.delete(sock);
      if (c) log.info(`shared server: client ${c.hello.pid} left (${this.clients.size} connected)`);
      void c?.close().catch(() => undefined);
      this.arm();
    });
    let first: { line: string; rest: Buffer };
    try {
      first = await firstLine(sock, HELLO_WITHIN_MS);
    } catch (err) {
      log.debug(`shared server: a connection said no hello: ${(err as Error).message}`);
      return void sock.destroy();
    }
    if ('value' in parseLine(first.line, whoSchema)) {
      const answer: WhoAnswer = { ollm: 'clients', pid: process.pid, version: VERSION, clients: this.list() };
      return void sock.end(`${JSON.stringify(answer)}\n`);
    }
    const parsed = parseLine(first.line, helloSchema);
    if ('why' in parsed) return refuse(sock, `the first line is not a hello (${parsed.why})`);
    const hello = parsed.value;
    if (hello.version !== VERSION) return refuse(sock, `this shared server is ollm-mcp ${VERSION}, the launch ${hello.version}`);
    if (hello.key !== this.key) return refuse(sock, 'the launch has other settings than this shared server');
    if (!isAbsolute(hello.cwd)) return refuse(sock, `the working folder must be an absolute path, got ${hello.cwd}`);
    const made = await this.sessionFor(hello);
    if ('why' in made) return refuse(sock, made.why);
    if (sock.destroyed || this.stopping) return void sock.destroy();
    sock.write(`${JSON.stringify({ ollm: 'ok', pid: process.pid })}\n`);
    this.serve(sock, first.rest, hello, made);
  }

  private serve(sock: Socket, rest: Buffer, hello: Hello, made: { session: Session; front: Front }): void {
    const input = new PassThrough();
    input.write(rest);
    sock.pipe(input);
    const factory = createServerFactory(made.front, this.catalog, { live: true, session: made.session });
    const entry: Connected = { hello, since: new Date().toISOString(), project: made.session.project?.name, close: async () => undefined };
    const handle = serveStdio(() => (entry.server = factory()), { transport: boundedTransport(input, sock), onerror: (err) => log.error(`shared server, client ${hello.pid}: ${err.message}`) });
    entry.close = () => handle.close();
    this.clients.set(sock, entry);
    log.info(`shared server: client ${hello.pid} connected from ${hello.cwd}${entry.project ? ` (project ${entry.project})` : ''} (${this.clients.size} connected)`);
  }

  /** The client's session: its project resolved from its folder (or --project), its own settings over the shared ones. */
  private async sessionFor(hello: Hello): Promise<{ session: Session; front: Front } | { why: string }> {
    let project;
    try {
      project = await resolveProject({ dir: hello.project ? resolve(hello.cwd, hello.project) : hello.cwd, explicit: Boolean(hello.project), toolNames: ALL_TOOL_NAMES });
    } catch (err) {
      if (err instanceof ProjectError) return { why: err.message };
      throw err;
    }
    const config = { ...this.serving.config, settings: withClientSettings(this.serving.settings, hello) };
    const session: Session = { config, project, workingDir: hello.cwd };
    const front: Front = { settings: config.settings, project, templates: this.serving.templates, skills: this.serving.skills, core: () => this.serving.core() };
    return { session, front };
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close().catch(() => undefined)));
    for (const sock of this.open) sock.destroy();
  }
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

/** Removed at exit: the socket and the lock, so nothing stays behind. */
function cleanUpAtExit(place: Place): void {
  process.once('exit', () => {
    if (process.platform !== 'win32') rmSync(place.address, { force: true });
    rmSync(place.lock, { force: true });
  });
}

export async function runDaemon(args: CliArgs): Promise<number> {
  const loaded = await loadSettings(args, true);
  if (!loaded) return 1;
  keepStdoutForProtocol();
  keepHeapSmall();
  let place: Place;
  try {
    place = await sharedPlace(loaded.config, VERSION);
  } catch (err) {
    if (!(err instanceof SharedUnavailable)) throw err;
    log.error(`shared server: ${err.message}`);
    return 1;
  }
  if (!(await takeLock(place.lock))) {
    log.info(`shared server: another one holds ${place.lock}: leaving it to serve`);
    return 0;
  }
  cleanUpAtExit(place);
  if (await answering(place.address)) {
    log.info(`shared server: another one answers at ${place.address}: leaving it to serve`);
    process.exit(0);
  }
  if (process.platform !== 'win32') await rm(place.address, { force: true }); // left by one that was killed
  const serving = new Serving(loaded.config, loaded.project);
  const catalog = await serving.catalog();
  await serving.prepare();
  const daemon = new Daemon(serving, catalog, sharedKey(loaded.config), loaded.config.settings.shared.idleSeconds * 1000);
  void serving.core().then(
    (core) => void (core.orch.clients = () => daemon.list()),
    () => undefined,
  );
  const listener = createServer((sock) => void daemon.accept(sock).catch((err: unknown) => log.error(`shared server: ${(err as Error).message}`)));
  await new Promise<void>((done, fail) => {
    listener.once('error', fail);
    listener.listen(place.address, done);
  });
  if (process.platform !== 'win32') await chmod(place.address, 0o600);
  stopOn(
    serving,
    async () => {
      daemon.stopping = true;
      listener.close();
      await daemon.closeAll();
    },
    (stop) => {
      daemon.stop = () => {
        daemon.stopping = true;
        listener.close(); // no new client from now on: the next launch starts a new server
        stop();
      };
    },
  );
  daemon.arm();
  log.info(`ollm-mcp ${VERSION} shared server ${process.pid} listening at ${place.address} (idle limit ${loaded.config.settings.shared.idleSeconds} s)`);
  return -1;
}
