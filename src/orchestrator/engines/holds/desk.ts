/**
 * The planner's side of holds (wire.ts): a relaying server that reached the claim's endpoint with the
 * claim's token asks a hold on a model loaded on an engine this server plans; granted, it sends its
 * generations for that model straight to the engine while the hold lasts, telling each one's begin
 * and end, which the engine's loader counts as requests in flight (never unloaded under them, and in
 * view of every plan). Every load or unload of a model this server sends (planned-elsewhere.ts)
 * first closes it: no hold is granted on it meanwhile, each current one is revoked — answered once
 * the relaying server starts no more under it, or once it ran out — and the requests begun under
 * them are waited for, as the loader waits for its own. A hold is its connection's: no other one
 * can renew it or begin a request under it; a connection gone ends the requests it told of.
 */
import type { Duplex } from 'node:stream';
import type { Engine } from '../engine.js';
import type { KeepAlive } from '../engine.js';
import { withTag } from '../model-names.js';
import { log } from '../../util/log.js';
import { HOLD_MARGIN_MS, HOLD_TTL_MS, holdKey, readLines, send, text } from './wire.js';

/** An engine this server may lend holds on: its adapter, its loader's count of requests, what it loads models with. */
export interface Lender {
  engine: Engine;
  /** Marks a request running on `model` (the loader's begin); call the result when it ends. */
  begin(model: string): () => void;
  keepAlive(model: string): KeepAlive;
  /** Whether this server plans the engine now (it holds the claim). */
  plans(): Promise<boolean>;
}

interface Conn {
  socket: Duplex;
  /** Held models (holdKey) → until when, by this side's clock. */
  holds: Map<string, number>;
  /** Requests told of, by number: the held model and the loader's end. */
  requests: Map<number, { at: string; done: () => void }>;
  /** Revokes sent, waiting for their answer. */
  acks: Map<string, Array<() => void>>;
  heard: number;
}

export class HoldDesk {
  private readonly lenders = new Map<string, Lender>();
  private readonly conns = new Set<Conn>();
  /** Models being loaded or unloaded here: no hold is granted on them. */
  private readonly closed = new Map<string, number>();
  /** Relayed requests in flight on each model, and who waits for none. */
  private readonly relayed = new Map<string, number>();
  private readonly quiet = new Map<string, Array<() => void>>();
  /** Holds granted since start (for tests and logs). */
  granted = 0;

  constructor(
    private readonly ttlMs = HOLD_TTL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Holds on the engine keyed `key` (engine-claims.ts engineKey) are lent from `lender`. */
  lend(key: string, lender: Lender): void {
    this.lenders.set(key, lender);
  }

  /** A relaying server's connection, its token checked already (the claim's endpoint). */
  accept(socket: Duplex): void {
    const conn: Conn = { socket, holds: new Map(), requests: new Map(), acks: new Map(), heard: this.now() };
    this.conns.add(conn);
    readLines(socket, (msg) => this.take(conn, msg));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.drop(conn));
  }

  private take(conn: Conn, msg: Record<string, unknown>): void {
    conn.heard = this.now();
    const [key, model, n] = [text(msg, 'key') ?? '', withTag(text(msg, 'model') ?? ''), msg.n];
    if (msg.t === 'hold') void this.grant(conn, key, model);
    else if (msg.t === 'begin' && Number.isSafeInteger(n)) this.begun(conn, key, model, n as number);
    else if (msg.t === 'end' && Number.isSafeInteger(n)) this.ended(conn, n as number);
    else if (msg.t === 'revoked') for (const ack of conn.acks.get(holdKey(key, model))?.splice(0) ?? []) ack();
    else if (msg.t !== 'alive') conn.socket.destroy();
  }

  private async grant(conn: Conn, key: string, model: string): Promise<void> {
    const at = holdKey(key, model);
    const lender = this.lenders.get(key);
    const refuse = (why: string) => (
      log.debug(`holds: ${model} not lent: ${why}`),
      void send(conn.socket, { t: 'refused', key, model, why })
    );
    if (!lender) return refuse('this server plans no such engine');
    if (this.closed.has(at)) return refuse('it is being loaded or unloaded here');
    if (!(await lender.plans())) return refuse('this server no longer plans that engine');
    const loaded = (await lender.engine.ps({ timeoutMs: 3000 }).catch(() => [])).find((m) => withTag(m.name) === model);
    if (!loaded || loaded.asleep) return refuse('it is not loaded there now');
    const numCtx = loaded.context_length;
    if (lender.engine.can.contextPerRequest && numCtx === undefined)
      return refuse('the window it is loaded with is not known');
    if (this.closed.has(at) || conn.socket.destroyed) return refuse('it is being loaded or unloaded here');
    conn.holds.set(at, this.now() + this.ttlMs);
    this.granted++;
    log.debug(`holds: ${model} lent for ${this.ttlMs} ms (window ${numCtx ?? "the engine's"})`);
    send(conn.socket, {
      t: 'held',
      key,
      model,
      ttlMs: this.ttlMs,
      ...(numCtx !== undefined && { numCtx }),
      keepAlive: lender.keepAlive(model),
    });
  }

  /** A request under a hold of this connection, counted as the loader counts its own; under none, the end of it. */
  private begun(conn: Conn, key: string, model: string, n: number): void {
    const at = holdKey(key, model);
    const until = conn.holds.get(at);
    const lender = this.lenders.get(key);
    if (until === undefined || this.now() > until + HOLD_MARGIN_MS || !lender || conn.requests.has(n)) {
      log.warn(`holds: a request on ${model} begun under no hold of its connection: the connection is closed`);
      return void conn.socket.destroy();
    }
    conn.requests.set(n, { at, done: lender.begin(model) });
    this.relayed.set(at, (this.relayed.get(at) ?? 0) + 1);
  }

  private ended(conn: Conn, n: number): void {
    const r = conn.requests.get(n);
    if (!r) return;
    conn.requests.delete(n);
    r.done();
    const left = (this.relayed.get(r.at) ?? 1) - 1;
    if (left > 0) return void this.relayed.set(r.at, left);
    this.relayed.delete(r.at);
    for (const wake of this.quiet.get(r.at)?.splice(0) ?? []) wake();
  }

  private drop(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    for (const n of [...conn.requests.keys()]) this.ended(conn, n);
    for (const acks of conn.acks.values()) for (const ack of acks.splice(0)) ack();
    conn.holds.clear();
  }

  /** The relayed requests in flight on `model` of the engine `key`. */
  inFlight(key: string, model: string): number {
    return this.relayed.get(holdKey(key, withTag(model))) ?? 0;
  }

  /**
   * Before this server loads or unloads `model`: no hold granted on it until the answer is called;
   * every current hold revoked (answered, or run out); the requests begun under them ended.
   */
  async close(key: string, model: string): Promise<() => void> {
    const at = holdKey(key, withTag(model));
    this.closed.set(at, (this.closed.get(at) ?? 0) + 1);
    let open = true;
    const reopen = () => {
      if (!open) return;
      open = false;
      const left = (this.closed.get(at) ?? 1) - 1;
      if (left > 0) this.closed.set(at, left);
      else this.closed.delete(at);
    };
    await Promise.all(
      [...this.conns].filter((c) => c.holds.has(at)).map((c) => this.revoke(c, at, key, withTag(model))),
    );
    await this.idle(at);
    return reopen;
  }

  private revoke(conn: Conn, at: string, key: string, model: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => (clearTimeout(timer), conn.holds.delete(at), resolve());
      // a relaying server that does not answer (stopped) starts nothing under the hold once it ran out by its own clock
      const timer = setTimeout(done, Math.max(0, (conn.holds.get(at) ?? 0) + HOLD_MARGIN_MS - this.now()));
      conn.acks.set(at, [...(conn.acks.get(at) ?? []), done]);
      log.debug(`holds: ${model} revoked (a load or unload of it here)`);
      if (!send(conn.socket, { t: 'revoke', key, model })) done();
    });
  }

  /** Once no relayed request runs on `at`; a connection silent past a hold (stopped) has its requests ended. */
  private async idle(at: string): Promise<void> {
    while (this.relayed.get(at)) {
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, this.ttlMs);
        this.quiet.set(at, [...(this.quiet.get(at) ?? []), () => (clearTimeout(timer), wake())]);
      });
      for (const c of this.conns)
        if (this.now() - c.heard > this.ttlMs + HOLD_MARGIN_MS && [...c.requests.values()].some((r) => r.at === at)) {
          log.warn('holds: a relaying server silent past its hold, its requests in flight: taken as ended');
          c.socket.destroy();
          this.drop(c);
        }
    }
  }

  /** Ends every connection (this server stops planning, or leaves). */
  shut(): void {
    for (const c of [...this.conns]) {
      c.socket.destroy();
      this.drop(c);
    }
  }
}
