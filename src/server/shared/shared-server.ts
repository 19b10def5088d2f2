/**
 * What serves the clients of the shared server, `ollm-mcp daemon` (daemon.ts; started by the first
 * launch that finds none: spawn.ts): one Serving — one core, one planner and one loader per host,
 * with every client's requests in flight and pins — and, per connection, one MCP server that sees
 * its client's folder, project and own settings (core.ts Session), as the HTTP transport serves
 * its sessions. A connection says hello (or sends a control line: control.ts) first. A retiring
 * server (retire.ts) takes no new client but serves those it has.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Socket } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { ConnectedClient } from '../../orchestrator/orchestrator.js';
import { ProjectError, resolveProject } from '../../orchestrator/project/project.js';
import { clientPath, shownClient } from '../../orchestrator/util/client-name.js';
import { log } from '../../orchestrator/util/log.js';
import { ALL_TOOL_NAMES } from '../../tools/toolsets.js';
import type { Catalog } from '../catalog.js';
import type { Session } from '../core.js';
import { createServerFactory, type Front } from '../create-server.js';
import type { Serving } from '../serving.js';
import { boundedTransport } from '../stdio.js';
import { VERSION } from '../version.js';
import { thisBuild } from './build.js';
import { streamIo, type Conn, type Io } from './conns.js';
import { answerControl, type Controls } from './control.js';
import { firstLine, helloSchema, parseLine, withClientSettings, type Hello } from './hello.js';

/** A connection must say hello (or who) this soon. */
const HELLO_WITHIN_MS = 5000;

export type { Conn } from './conns.js';

/** A client's session, and what its MCP server sees of the core. */
export interface Made {
  session: Session;
  front: Front;
}

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
  // cleaned and bounded where they enter: the names a client gives itself reach every other client
  // (ollm://fleet) and `who`
  return shownClient({
    ...(info && { name: info.name, version: info.version }),
    pid: c.hello.pid,
    cwd: c.hello.cwd,
    ...(c.project && { project: c.project }),
    since: c.since,
  });
}

function refuse(sock: Socket, why: string): void {
  log.warn(`shared server: refused a launch: ${why}`);
  sock.end(`${JSON.stringify({ ollm: 'refused', why })}\n`);
}

export class SharedServer {
  /** Every open connection. */
  private readonly open = new Set<Conn>();
  private readonly clients = new Map<Conn, Connected>();
  stopping = false;
  /** Taking no new client: a newer server of the same $OLLM_HOME took over (retire.ts). */
  retiring = false;
  /** The control lines' answers (start.ts); until set, a control line is refused as no hello. */
  controls: Controls | undefined;
  /** Called after a new launch's client (not one moving from a server that left) was taken. */
  onFresh: () => void = () => undefined;
  /** Called when the last connection of a retiring server closed. */
  onRetired: () => void = () => undefined;
  /** Called after a connection closed, with how many are left. */
  onLeft: (left: number) => void = () => undefined;
  /** Called when a connection opens. */
  onJoined: () => void = () => undefined;

  constructor(
    private readonly serving: Serving,
    private readonly catalog: Catalog,
    private readonly key: string,
  ) {}

  list(): ConnectedClient[] {
    return [...this.clients.values()].map(describe);
  }

  /** How many connections are open. */
  get size(): number {
    return this.open.size;
  }

  private track(conn: Conn): void {
    this.open.add(conn);
    this.onJoined();
    conn.on('error', (err) => log.debug(`shared server connection: ${err.message}`));
    conn.once('close', () => {
      this.open.delete(conn);
      const c = this.clients.get(conn);
      this.clients.delete(conn);
      if (c) log.info(`shared server: client ${c.hello.pid} left (${this.clients.size} connected)`);
      void c?.close().catch(() => undefined);
      this.onLeft(this.open.size);
      if (this.retiring && this.open.size === 0) this.onRetired();
    });
  }

  async accept(sock: Socket): Promise<void> {
    if (this.stopping) return void sock.destroy();
    this.track(sock);
    let first: { line: string; rest: Buffer };
    try {
      first = await firstLine(sock, HELLO_WITHIN_MS);
    } catch (err) {
      log.debug(`shared server: a connection said no hello: ${(err as Error).message}`);
      return void sock.destroy();
    }
    if (this.controls && answerControl(first.line, sock, this.controls)) return;
    if (this.retiring) return void sock.destroy(); // no new client: the launch tries again, and finds the place free
    const parsed = parseLine(first.line, helloSchema);
    if ('why' in parsed) return refuse(sock, `the first line is not a hello (${parsed.why})`);
    const hello = parsed.value;
    if (hello.version !== VERSION)
      return refuse(sock, `this shared server is ollm-mcp ${VERSION}, the launch ${hello.version}`);
    if (hello.build !== thisBuild().id)
      return refuse(
        sock,
        `this shared server is build ${thisBuild().id} of ollm-mcp ${VERSION}, the launch build ${hello.build}`,
      );
    if (hello.key !== this.key) return refuse(sock, 'the launch has other settings than this shared server');
    if (!isAbsolute(hello.cwd)) return refuse(sock, `the working folder must be an absolute path, got ${hello.cwd}`);
    const made = await this.sessionFor(hello);
    if ('why' in made) return refuse(sock, made.why);
    if (sock.destroyed || this.stopping || this.retiring) return void sock.destroy();
    sock.write(`${JSON.stringify({ ollm: 'ok', pid: process.pid })}\n`);
    this.serve(sock, streamIo(sock, first.rest), hello, made);
    if (!hello.moving) this.onFresh();
  }

  /**
   * Each client over the socket let go before the work in flight is cancelled at a stop: its
   * forwarder then sends what was running here to the next server, rather than passing on the
   * "server is stopping" answers the cancelled calls would give.
   */
  letOthersGo(): void {
    for (const conn of this.open) conn.destroy();
  }

  private serve(conn: Conn, { input, output, swallow }: Io, hello: Hello, made: Made): void {
    const factory = createServerFactory(made.front, this.catalog, { live: true, session: made.session });
    const entry: Connected = {
      hello,
      since: new Date().toISOString(),
      project: made.session.project?.name,
      close: async () => undefined,
    };
    const handle = serveStdio(() => (entry.server = factory()), {
      transport: boundedTransport(input, output, swallow),
      onerror: (err) => log.error(`shared server, client ${hello.pid}: ${err.message}`),
    });
    entry.close = () => handle.close();
    this.clients.set(conn, entry);
    log.info(
      `shared server: client ${hello.pid} connected from ` +
        `${clientPath(hello.cwd)}${entry.project ? ` (project ${entry.project})` : ''} ` +
        `(${this.clients.size} connected)`,
    );
  }

  /**
   * The client's session: its project resolved from its folder (or --project), its own settings over the
   * shared ones.
   */
  async sessionFor(hello: Hello): Promise<Made | { why: string }> {
    let project;
    try {
      project = await resolveProject({
        dir: hello.project ? resolve(hello.cwd, hello.project) : hello.cwd,
        explicit: Boolean(hello.project),
        toolNames: ALL_TOOL_NAMES,
      });
    } catch (err) {
      if (err instanceof ProjectError) return { why: err.message };
      throw err;
    }
    const config = { ...this.serving.config, settings: withClientSettings(this.serving.settings, hello) };
    const session: Session = { config, project, workingDir: hello.cwd };
    const front: Front = {
      settings: config.settings,
      project,
      templates: this.serving.templates,
      skills: this.serving.skills,
      core: () => this.serving.core(),
    };
    return { session, front };
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close().catch(() => undefined)));
    for (const conn of this.open) conn.destroy();
  }
}
