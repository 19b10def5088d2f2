/**
 * The relaying server's side of holds (wire.ts, desk.ts): one connection to the planner, opened when
 * first needed — only while the planner's process is the one proven (the claim's token goes nowhere
 * else) — the holds it was granted, renewed in the background once half gone while in use, and each
 * generation under one told to the planner as it begins and ends. A revoke is carried out at once
 * (no request starts under it after the answer); a hold run out, refused or revoked is simply not
 * there: the generation goes through the planner (which may load), and a hold is asked again after.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { KeepAlive } from '../engine.js';
import { withTag } from '../model-names.js';
import { HOLD_MARGIN_MS, HOLD_PATH, HOLD_UPGRADE, holdKey, readLines, send, text } from './wire.js';

/** A hold granted: until when (this side's clock), and what the model is loaded with. */
export interface Hold {
  until: number;
  ttlMs: number;
  numCtx?: number;
  keepAlive: KeepAlive;
}

/** How long a connection that could not be opened is not tried again, ms. */
const RETRY_MS = 10_000;

/**
 * How long a call waits for a hold asked again after its last one ran out, ms (renewed); OLLM_HOLD_RENEW_WAIT_MS
 * for tests on a busy machine.
 */
const RENEW_WAIT_MS = Number(process.env.OLLM_HOLD_RENEW_WAIT_MS) || 100;

export interface HoldPlanner {
  url: string;
  token: string;
}

export class HoldClient {
  private socket: Duplex | undefined;
  private opening: Promise<Duplex | undefined> | undefined;
  private readonly holds = new Map<string, Hold>();
  /** Holds asked and not answered yet: when each was asked (a grant counts from then). */
  private readonly asking = new Map<string, number>();
  /** Holds that ran out, neither revoked nor refused: the next call asks again and waits (renewed). */
  private readonly lapsed = new Set<string>();
  /** Calls waiting for the planner's answer on a hold (renewed): told when it comes, or the connection goes. */
  private readonly waiters = new Map<string, Array<() => void>>();
  private n = 0;
  private running = 0;
  private beat: NodeJS.Timeout | undefined;
  /** When opening the connection last failed (a planner of a build without holds): not tried again for RETRY_MS. */
  private failedAt = -Infinity;

  constructor(
    readonly planner: HoldPlanner,
    /** Whether the planner's process is still the one proven (own-process.ts stillTheProcess). */
    private readonly sendable: () => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The current hold on `model` of the engine `key`, if any; asked again in the background once half gone. */
  usable(key: string, model: string): Hold | undefined {
    const at = holdKey(key, withTag(model));
    const hold = this.holds.get(at);
    if (!hold) return undefined;
    const left = hold.until - this.now();
    if (left <= 0) {
      this.holds.delete(at);
      this.lapsed.add(at);
      return undefined;
    }
    if (left < hold.ttlMs / 2) this.ask(key, model);
    return hold;
  }

  /**
   * A hold on `model` again where the last one ran out, neither revoked nor refused (an agent's calls come
   * seconds apart, a hold lasts HOLD_TTL_MS): asked now and waited for up to `waitMs` — one line each way on
   * the open connection, where going through the planner is its whole call. Refused, revoked or not answered
   * in time: undefined, and the call goes through the planner as before. Undefined at once for any other model.
   */
  async renewed(key: string, model: string, waitMs = RENEW_WAIT_MS): Promise<Hold | undefined> {
    const at = holdKey(key, withTag(model));
    if (!this.lapsed.delete(at) || !this.socket || this.socket.destroyed) return undefined;
    this.ask(key, model);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.set(at, [...(this.waiters.get(at) ?? []), done]);
    });
    return this.usable(key, model);
  }

  /** The calls waiting on `at`'s answer (renewed), told it came (or the connection went). */
  private answered(at: string): void {
    const waiting = this.waiters.get(at);
    this.waiters.delete(at);
    for (const done of waiting ?? []) done();
  }

  /** Asks the planner for a hold on `model` (once at a time); its answer comes in the background. */
  ask(key: string, model: string): void {
    const name = withTag(model);
    const at = holdKey(key, name);
    if (this.asking.has(at)) return;
    this.asking.set(at, this.now());
    void this.open().then((socket) => {
      if (!socket || !send(socket, { t: 'hold', key, model: name })) this.asking.delete(at);
    });
  }

  /** `work` (a generation straight to the engine) under the hold on `model`: its begin and end told to the planner. */
  async run<T>(key: string, model: string, work: () => Promise<T>): Promise<T> {
    const socket = this.socket;
    const n = ++this.n;
    if (socket) send(socket, { t: 'begin', n, key, model: withTag(model) });
    if (this.running++ === 0) this.alive();
    try {
      return await work();
    } finally {
      if (socket) send(socket, { t: 'end', n });
      if (--this.running === 0) clearInterval(this.beat);
    }
  }

  /** While requests run, a word every HOLD_MARGIN_MS: the planner knows this server is not stopped. */
  private alive(): void {
    clearInterval(this.beat);
    this.beat = setInterval(() => this.socket && send(this.socket, { t: 'alive' }), HOLD_MARGIN_MS);
    this.beat.unref?.();
  }

  private take(socket: Duplex, msg: Record<string, unknown>): void {
    const [key, model] = [text(msg, 'key') ?? '', text(msg, 'model') ?? ''];
    const at = holdKey(key, model);
    try {
      this.answer(socket, msg, at, key, model);
    } finally {
      this.answered(at);
    }
  }

  private answer(socket: Duplex, msg: Record<string, unknown>, at: string, key: string, model: string): void {
    if (msg.t === 'revoke') {
      this.holds.delete(at);
      this.lapsed.delete(at);
      return void send(socket, { t: 'revoked', key, model });
    }
    const asked = this.asking.get(at);
    this.asking.delete(at);
    if (msg.t === 'refused') return void (this.holds.delete(at), this.lapsed.delete(at));
    const ttlMs = typeof msg.ttlMs === 'number' ? msg.ttlMs : 0;
    const keepAlive = msg.keepAlive;
    if (
      msg.t !== 'held' ||
      asked === undefined ||
      ttlMs <= HOLD_MARGIN_MS ||
      (typeof keepAlive !== 'string' && typeof keepAlive !== 'number')
    )
      return;
    const numCtx = typeof msg.numCtx === 'number' ? msg.numCtx : undefined;
    this.holds.set(at, {
      until: asked + ttlMs - HOLD_MARGIN_MS,
      ttlMs,
      keepAlive,
      ...(numCtx !== undefined && { numCtx }),
    });
  }

  /** The connection to the planner: opened once (again after it closed), not while its process is another. */
  private open(): Promise<Duplex | undefined> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.now() - this.failedAt < RETRY_MS || !this.sendable()) return Promise.resolve(undefined);
    return (this.opening ??= new Promise<Duplex | undefined>((opened) => {
      const resolve = (socket: Duplex | undefined) => (socket || (this.failedAt = this.now()), opened(socket));
      const url = new URL(HOLD_PATH, this.planner.url);
      const headers = { authorization: `Bearer ${this.planner.token}`, connection: 'Upgrade', upgrade: HOLD_UPGRADE };
      const req = http.request(url, { method: 'GET', headers, agent: false, timeout: 3000 });
      req.on('upgrade', (_res, socket: Duplex) => {
        (socket as Socket).setNoDelay(true);
        (socket as Socket).setTimeout(0); // the opening's limit, not the connection's
        (socket as Socket).unref(); // it never keeps the process alive: its transport decides when it ends
        this.socket = socket;
        readLines(socket, (msg) => this.take(socket, msg));
        // ended in any way, it is gone with its holds: a socket left half-open on the planner's end held them
        for (const event of ['end', 'error', 'timeout']) socket.on(event, () => socket.destroy());
        socket.on('close', () => this.lost(socket));
        resolve(socket);
      });
      req.on('response', (res) => (res.resume(), resolve(undefined)));
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(undefined));
      req.end();
    }).finally(() => (this.opening = undefined)));
  }

  /** The connection closed: every hold with it. */
  private lost(socket: Duplex): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.holds.clear();
    this.asking.clear();
    this.lapsed.clear();
    for (const at of [...this.waiters.keys()]) this.answered(at);
  }

  close(): void {
    this.socket?.destroy();
    clearInterval(this.beat);
  }
}
