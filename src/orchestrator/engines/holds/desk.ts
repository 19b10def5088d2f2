/**
 * The planner's side of holds (wire.ts): a relaying server that reached the claim's endpoint with the
 * claim's token asks a hold on a model loaded on an engine this server plans; granted, it sends its
 * generations for that model straight to the engine while the hold lasts, telling each one's begin
 * and end, which the engine's loader counts as requests in flight (never unloaded under them, and in
 * view of every plan). Every load or unload of a model this server sends (planned-elsewhere.ts)
 * first closes it: no hold is granted on it meanwhile, each current one is revoked — answered once
 * the relaying server starts no more under it, or once it ran out — and the requests begun under
 * them are waited for, as the loader waits for its own. A hold is its connection's: no other one
 * can renew it or begin a request under it.
 *
 * A relayed request takes its place in the loads' order as this server's own (issue 80): once a load
 * here has had its turn and unloads a model (the loader's claimed), no hold on it is granted and each
 * current one is revoked, so the next call there goes through this server and waits behind that load.
 * A connection ending in any way drops it with the requests it told of, and what it keeps counted is
 * bounded (desk-conn.ts: SILENT_MS, DRAIN_MS), looked at by the desk's own timer while it has any.
 */
import type { Duplex } from 'node:stream';
import type { Engine, KeepAlive } from '../engine.js';
import { withTag } from '../model-names.js';
import { log } from '../../util/log.js';
import { HOLD_MARGIN_MS, HOLD_TTL_MS, holdKey, readLines, send, text } from './wire.js';
import { CLAIMED, connOf, overdue, SWEEP_MS, watched, type HoldConn } from './desk-conn.js';

/** An engine this server may lend holds on: its adapter, its loader's count of requests, what it loads models with. */
export interface Lender {
  engine: Engine;
  /** Marks a request running on `model` (the loader's begin); call the result when it ends. */
  begin(model: string): () => void;
  keepAlive(model: string): KeepAlive;
  /** Whether this server plans the engine now (it holds the claim). */
  plans(): Promise<boolean>;
  /** Whether a load here whose turn has come unloads `model` (the loader's claimed): no hold on it then. */
  claimed(model: string): boolean;
}

export class HoldDesk {
  private readonly lenders = new Map<string, Lender>();
  private readonly conns = new Set<HoldConn>();
  /** Models being loaded or unloaded here: no hold is granted on them. */
  private readonly closed = new Map<string, number>();
  /** Relayed requests in flight on each model, and who waits for none. */
  private readonly relayed = new Map<string, number>();
  private readonly quiet = new Map<string, Array<() => void>>();
  private timer: NodeJS.Timeout | undefined;
  /** Holds granted since start (for tests and logs). */
  granted = 0;

  constructor(
    private readonly ttlMs = HOLD_TTL_MS,
    private readonly now: () => number = () => performance.now(),
    private readonly sweepMs = SWEEP_MS,
  ) {}

  /** Holds on the engine keyed `key` (engine-claims.ts engineKey) are lent from `lender`. */
  lend(key: string, lender: Lender): void {
    this.lenders.set(key, lender);
  }

  /** A relaying server's connection, its token checked already (the claim's endpoint). */
  accept(socket: Duplex): void {
    const conn = connOf(socket, this.now());
    this.conns.add(conn);
    readLines(socket, (msg) => this.take(conn, msg));
    // ended in any way, it is dropped: an upgraded server socket stays half-open once its peer ended
    // (its FIN seen, 'close' never), which kept the requests it told of counted for good
    for (const event of ['end', 'error', 'timeout']) socket.on(event, () => this.cut(conn));
    socket.on('close', () => this.drop(conn));
  }

  private take(conn: HoldConn, msg: Record<string, unknown>): void {
    conn.heard = this.now();
    const [key, model, n] = [text(msg, 'key') ?? '', withTag(text(msg, 'model') ?? ''), msg.n];
    if (msg.t === 'hold') void this.grant(conn, key, model);
    else if (msg.t === 'begin' && Number.isSafeInteger(n)) this.begun(conn, key, model, n as number);
    else if (msg.t === 'end' && Number.isSafeInteger(n)) this.ended(conn, n as number);
    else if (msg.t === 'revoked') this.answered(conn, holdKey(key, model));
    else if (msg.t !== 'alive') this.cut(conn);
  }

  private async grant(conn: HoldConn, key: string, model: string): Promise<void> {
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
    if (lender.claimed(model)) return (this.mark(conn, at, CLAIMED), refuse(CLAIMED));
    conn.holds.set(at, { key, model, until: this.now() + this.ttlMs });
    this.granted++;
    this.watch();
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
  private begun(conn: HoldConn, key: string, model: string, n: number): void {
    const at = holdKey(key, model);
    const held = conn.holds.get(at);
    const lender = this.lenders.get(key);
    if (!held || this.now() > held.until + HOLD_MARGIN_MS || !lender || conn.requests.has(n)) {
      log.warn(`holds: a request on ${model} begun under no hold of its connection: the connection is closed`);
      return this.cut(conn);
    }
    const since = held.revokedAt ?? (lender.claimed(model) ? this.now() : undefined);
    conn.requests.set(n, { at, key, model, done: lender.begin(model), waitedSince: since });
    this.relayed.set(at, (this.relayed.get(at) ?? 0) + 1);
    // begun as a load here has its turn on the model: counted (it runs at the engine already), no more after it
    if (held.revokedAt === undefined && since !== undefined) this.mark(conn, at, CLAIMED);
    this.watch();
  }

  private ended(conn: HoldConn, n: number): void {
    const r = conn.requests.get(n);
    if (!r) return;
    conn.requests.delete(n);
    r.done();
    const left = (this.relayed.get(r.at) ?? 1) - 1;
    if (left > 0) return void this.relayed.set(r.at, left);
    this.relayed.delete(r.at);
    for (const wake of this.quiet.get(r.at)?.splice(0) ?? []) wake();
  }

  /** `conn` ends here: its socket destroyed, its holds and requests with it. */
  private cut(conn: HoldConn): void {
    conn.socket.destroy();
    this.drop(conn);
  }

  private drop(conn: HoldConn): void {
    if (!this.conns.delete(conn)) return;
    if (conn.requests.size > 0)
      log.debug(`holds: a connection gone: its requests in flight (${conn.requests.size}) ended`);
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
   * every current hold revoked (answered, or run out); the requests begun under them ended (within DRAIN_MS).
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
    const since = this.now();
    for (const c of this.conns) for (const r of c.requests.values()) if (r.at === at) r.waitedSince ??= since;
    await Promise.all([...this.conns].map((c) => this.revoke(c, at, 'a load or unload of it here')));
    await this.idle(at);
    return reopen;
  }

  /** `conn`'s hold on `at` revoked: resolves once answered, run out (the sweep), or its connection gone. */
  private revoke(conn: HoldConn, at: string, why: string): Promise<void> {
    if (!this.mark(conn, at, why)) return Promise.resolve();
    return new Promise((resolve) => conn.acks.set(at, [...(conn.acks.get(at) ?? []), resolve]));
  }

  /**
   * Tells `conn` its hold on `at` is revoked (once), the requests begun under it counted DRAIN_MS at most from
   * now; false when it holds none there (or the connection is gone).
   */
  private mark(conn: HoldConn, at: string, why: string): boolean {
    const held = conn.holds.get(at);
    if (!held) return false;
    if (held.revokedAt !== undefined) return true;
    held.revokedAt = this.now();
    for (const r of conn.requests.values()) if (r.at === at) r.waitedSince ??= held.revokedAt;
    log.debug(`holds: ${held.model} revoked (${why})`);
    if (send(conn.socket, { t: 'revoke', key: held.key, model: held.model })) return true;
    this.cut(conn);
    return false;
  }

  /** The relaying server answered the revoke of `at` (or the hold ran out): it starts nothing more under it. */
  private answered(conn: HoldConn, at: string, ranOut = false): void {
    if (ranOut || conn.holds.get(at)?.revokedAt !== undefined) conn.holds.delete(at);
    for (const ack of conn.acks.get(at)?.splice(0) ?? []) ack();
  }

  /** Once no relayed request runs on `at` (the sweep bounds how long: SILENT_MS, DRAIN_MS). */
  private async idle(at: string): Promise<void> {
    while (this.relayed.get(at))
      await new Promise<void>((wake) => this.quiet.set(at, [...(this.quiet.get(at) ?? []), wake]));
  }

  /** The sweep runs while a connection has a hold or a request; never keeps the process alive. */
  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  /**
   * What the desk's timer does (public for tests, whose clock moves): a connection silent or past its drain cut;
   * holds run out let go; holds and requests on a model a load here has had its turn for, revoked and waited for.
   */
  sweep(): void {
    const now = this.now();
    for (const c of [...this.conns]) {
      const why = overdue(c, now);
      if (why) {
        log.warn(`holds: ${why}: the connection is cut, its requests taken as ended`);
        this.cut(c);
        continue;
      }
      for (const r of c.requests.values()) if (this.lenders.get(r.key)?.claimed(r.model)) r.waitedSince ??= now;
      for (const [at, held] of c.holds)
        if (now > held.until + HOLD_MARGIN_MS) this.answered(c, at, true);
        else if (held.revokedAt === undefined && this.lenders.get(held.key)?.claimed(held.model))
          this.mark(c, at, CLAIMED);
    }
    if (![...this.conns].some(watched)) this.unwatch();
  }

  private unwatch(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Ends every connection (this server stops planning, or leaves). */
  shut(): void {
    this.unwatch();
    for (const c of [...this.conns]) this.cut(c);
  }
}
