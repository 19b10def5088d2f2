/**
 * One plan per engine on a machine. ollm-mcp servers of one user that use the same engine — a
 * shared server with other settings, another build still running, a server started with
 * --no-shared or over HTTP — leave its memory plan to one of them: the first to claim it. A claim
 * is a file in the user's private socket folder (place.ts: 0700, this user's), `engine-<hash>.json`
 * (0600), written aside and linked in place (never seen half-written; a link fails where one is), naming the
 * engine (kind and address), the claiming process, and the
 * loopback MCP endpoint and token where the others reach it (engines/planned-elsewhere.ts sends
 * them there, as to a host of kind ollm).
 *
 * A claim holds while the process it names is alive and its endpoint proves it knows the token
 * without being sent it: a challenge (a fresh nonce) answered within PROOF_MS with that pid and an
 * HMAC of the token over the nonce and the pid. Whatever else listens at a dead server's port (any
 * local user may bind it) gets neither the token nor a prompt, and cannot pass. A claim that does
 * not hold (its server gone, hung, stopped or killed) is removed — only if it still says what was
 * read — and taken. A server leaving removes the claims it made, if they still name it. The claim
 * file is read without blocking and only when it is a regular file (claim-file.ts).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { link, rm, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineClaim, Planner } from '../../orchestrator/engines/planned-elsewhere.js';
import { ownProcessAlive } from '../../orchestrator/util/own-process.js';
import { log } from '../../orchestrator/util/log.js';
import { readClaim, readClaimSync, removeIfSame, CLAIM_BYTES } from './claim-file.js';

/** How long a claim's endpoint may take to prove it is there. */
const PROOF_MS = 1500;
/** A claim read to name this server is taken to still do so this long after (well under PROOF_MS), ms. */
export const HOLD_READ_MS = 250;
/** The header a prover sends its nonce in (no token is ever sent to prove a claim). */
export const CHALLENGE_HEADER = 'x-ollm-claim-challenge';
/** The most of a challenge's answer read. */
const ANSWER_BYTES = 512;

/** The loopback endpoint this server is reached at by the others: started by the first claim it makes. */
export interface Endpoint {
  url: string;
  token: string;
}

/**
 * The proof of a claim's token: HMAC-SHA256 keyed by the token, over a fixed label, the nonce and the
 * answering pid.
 */
export function claimMac(token: string, nonce: string, pid: number): string {
  return createHmac('sha256', token).update(`ollm-mcp engine claim\n${nonce}\n${pid}`).digest('hex');
}

/** A nonce as provers send it: 64 hex digits. */
const NONCE = /^[0-9a-f]{64}$/;

/**
 * The endpoint's side: a request carrying a challenge is answered with this pid and its MAC (200,
 * JSON); true when it was one (answered), false for any other request. Nothing else is said.
 */
export function answerChallenge(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  token: string,
  pid = process.pid,
): boolean {
  const nonce = req.headers[CHALLENGE_HEADER];
  if (nonce === undefined) return false;
  if (typeof nonce !== 'string' || !NONCE.test(nonce)) res.writeHead(400, { connection: 'close' }).end();
  else
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' })
      .end(JSON.stringify({ pid, mac: claimMac(token, nonce, pid) }));
  return true;
}

/** Whether `answer` (a challenge's JSON answer) proves `held`'s token and pid for `nonce`. */
export function provenBy(answer: string, held: Planner, nonce: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(answer);
  } catch {
    return false;
  }
  const { pid, mac } = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (pid !== held.pid || typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(mac, 'hex'), Buffer.from(claimMac(held.token, nonce, held.pid), 'hex'));
}

/** The same engine, however its address is written: kind, protocol, host (every loopback name alike), port, path. */
export function engineKey(kind: string, url: string): string {
  const u = new URL(url);
  const bare = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = bare === 'localhost' || bare === '::1' || bare === '0.0.0.0' || bare === '::' || /^127\./.test(bare);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const path = u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${kind} ${u.protocol}//${loopback ? 'loopback' : bare}:${port}${path}`;
}

/** Claim files by folder and engine key: asked before every generation, hashed once. */
const claimFiles = new Map<string, string>();

/** The claim file of an engine in `dir`. */
export function claimFile(dir: string, key: string): string {
  const at = `${dir}\0${key}`;
  let file = claimFiles.get(at);
  if (file === undefined) {
    file = join(dir, `engine-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
    if (claimFiles.size >= 256) claimFiles.clear(); // a few engines a process; bounded all the same
    claimFiles.set(at, file);
  }
  return file;
}

interface Held extends Planner {
  key: string;
}

/**
 * A claim's contents, checked: undefined when it is not one (bad JSON, a field missing or odd, an endpoint
 * beyond loopback).
 */
export function parseClaim(text: string): Held | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { key, pid, url, token } = v as Record<string, unknown>;
  if (
    typeof key !== 'string' ||
    typeof url !== 'string' ||
    typeof token !== 'string' ||
    !Number.isSafeInteger(pid) ||
    (pid as number) <= 0
  )
    return undefined;
  if (token.length < 16 || token.length > 200) return undefined;
  try {
    const u = new URL(url);
    // only this machine's loopback is ever reached through a claim
    if (u.protocol !== 'http:' || u.hostname !== '127.0.0.1') return undefined;
  } catch {
    return undefined;
  }
  return { key, pid: pid as number, url, token };
}

/**
 * Whether the claim holds: its process is alive, and its endpoint answers a fresh challenge, within
 * `timeoutMs`, with that pid and the MAC only its token makes. The token is never sent; anything
 * else (a refusal, `200 {}`, another pid, a wrong MAC, silence, nothing listening) is no proof.
 */
export function proves(
  held: Planner,
  timeoutMs = PROOF_MS,
  alive: (pid: number) => boolean = ownProcessAlive,
): Promise<boolean> {
  if (!alive(held.pid)) return Promise.resolve(false); // a dead planner's port is not even asked
  const nonce = randomBytes(32).toString('hex');
  return new Promise((resolve) => {
    // settled once: by the answer, or by the limit on the whole exchange, however the answer trickles in
    const finish = (proven: boolean) => (clearTimeout(timer), resolve(proven), req.destroy());
    const req = http.request(
      held.url,
      { method: 'GET', headers: { [CHALLENGE_HEADER]: nonce, accept: 'application/json' }, agent: false },
      (res) => {
        if (res.statusCode !== 200) return finish(false);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > ANSWER_BYTES) finish(false);
          else chunks.push(c);
        });
        res.on('end', () => finish(provenBy(Buffer.concat(chunks).toString('utf8'), held, nonce)));
        res.on('error', () => finish(false));
      },
    );
    const timer = setTimeout(() => finish(false), timeoutMs);
    req.on('error', () => finish(false));
    req.end();
  });
}

/** A new endpoint token: 32 random bytes, hex. */
export const newToken = (): string => randomBytes(32).toString('hex');

export class EngineClaims {
  /** The claim files this server made (removed when it leaves, if they still name it). */
  private readonly made = new Set<string>();
  /** When each claim this server made was last read to still name it (holds). */
  private readonly heldAt = new Map<string, { wall: number; mono: number }>();
  private endpoint: Promise<Endpoint> | undefined;

  constructor(
    private readonly dir: string,
    /** Starts this server's loopback endpoint (once: the first claim it makes). */
    private readonly start: () => Promise<Endpoint>,
    private readonly pid = process.pid,
    /** Both clocks, ms: the wall's and a monotonic one (holds). */
    private readonly clock: () => { wall: number; mono: number } = () => ({
      wall: Date.now(),
      mono: performance.now(),
    }),
  ) {}

  /** Starts this server's endpoint now (before the first claim needs it); a failure is met again by that claim. */
  warm(): void {
    (this.endpoint ??= this.start()).catch(() => undefined);
  }

  /** The claim of one engine, as the fleet asks it. */
  claim(kind: string, url: string): EngineClaim {
    const key = engineKey(kind, url);
    return {
      planner: () => this.plannerOf(key).catch((err: unknown) => this.alone(key, err)),
      holds: () => this.holds(key),
    };
  }

  /**
   * Whether this server still holds the engine's claim, read from its file (a few hundred bytes,
   * no network): false once the file names another process, is no claim, or is gone — this server
   * made it, so someone removed it. An engine this server plans without a claim (none could be
   * made) and a file that cannot be read now leave things as they are: true.
   */
  private async holds(key: string): Promise<boolean> {
    const file = claimFile(this.dir, key);
    if (!this.made.has(file)) return true;
    // read again only HOLD_READ_MS after it last said so, by both clocks: a claim is taken over only from
    // a server that failed to prove it for PROOF_MS, and one stopped meanwhile (SIGSTOP, a suspend) sees the time pass
    const last = this.heldAt.get(file);
    const now = this.clock();
    if (last && now.wall >= last.wall && now.wall - last.wall < HOLD_READ_MS && now.mono - last.mono < HOLD_READ_MS)
      return true;
    const read = await readClaim(file).catch(() => 'failed' as const);
    if (read === 'failed') return true;
    const held = read && 'text' in read && read.text.length <= CLAIM_BYTES ? parseClaim(read.text) : undefined;
    const holds = held?.pid === this.pid && held.key === key;
    if (holds) this.heldAt.set(file, this.clock());
    else this.heldAt.delete(file);
    return holds;
  }

  /** Who plans the engine: another server whose claim holds, or none — this one, having claimed it. */
  private async plannerOf(key: string): Promise<Planner | undefined> {
    const file = claimFile(this.dir, key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const read = await readClaim(file);
      if (read !== undefined) {
        const held = 'text' in read && read.text.length <= CLAIM_BYTES ? parseClaim(read.text) : undefined;
        if (held && held.pid === this.pid) return undefined; // this server's own
        if (held && held.key === key && (await proves(held)))
          return { url: held.url, token: held.token, pid: held.pid };
        if (!(await removeIfSame(file, read))) continue; // changed meanwhile: read again
        log.info(
          `engine ${key}: its claim ${held ? `by process ${held.pid} does not hold (it does not prove its token, or the process is gone)` : 'is unreadable'}: taken over`,
        );
      }
      const me = await (this.endpoint ??= this.start());
      // written whole aside, then linked in place (fails if a claim is there): never seen half-written
      const aside = `${file}.${this.pid}.new`;
      await writeFile(
        aside,
        JSON.stringify({ key, pid: this.pid, url: me.url, token: me.token, since: new Date().toISOString() }),
        { mode: 0o600 },
      );
      try {
        await link(aside, file);
      } catch (err) {
        // another server claimed it first: read its claim
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      } finally {
        await rm(aside, { force: true });
      }
      this.made.add(file);
      log.info(`engine ${key}: this server plans its memory (claim ${file})`);
      return undefined;
    }
    throw new Error('its claim changed three times while read');
  }

  /** A claim that could not be read or made: this server plans the engine, as before claims (saying so). */
  private alone(key: string, err: unknown): undefined {
    log.warn(`engine ${key}: could not settle who plans it (${(err as Error).message}): this server plans it`);
    return undefined;
  }

  /** Removes the claims this server made that still name it (at exit: synchronous; never blocks on what is no file). */
  releaseSync(): void {
    for (const file of this.made) {
      try {
        const text = readClaimSync(file);
        if (text !== undefined && parseClaim(text)?.pid === this.pid) unlinkSync(file);
      } catch {
        // gone already
      }
    }
    this.made.clear();
  }
}
