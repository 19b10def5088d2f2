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
 * file is read without blocking and only when it is a regular file (claim-file.ts); its key, file
 * and contents are claim-record.ts, its proof claim-proof.ts.
 */
import { randomBytes } from 'node:crypto';
import { link, rm, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import type { EngineClaim, Planner } from '../../orchestrator/engines/planned-elsewhere.js';
import { log } from '../../orchestrator/util/log.js';
import { readClaim, readClaimSync, removeIfSame, CLAIM_BYTES } from './claim-file.js';
import { claimFile, engineKey, parseClaim } from './claim-record.js';
import { proves } from './claim-proof.js';

/** A claim read to name this server is taken to still do so this long after (well under PROOF_MS), ms. */
export const HOLD_READ_MS = 250;

/** The loopback endpoint this server is reached at by the others: started by the first claim it makes. */
export interface Endpoint {
  url: string;
  token: string;
}

/** A new endpoint token: 32 random bytes, hex. */
export const newToken = (): string => randomBytes(32).toString('hex');

export class EngineClaims {
  /** The claim files this server made (removed when it leaves, if they still name it). */
  private readonly made = new Set<string>();
  /** When each claim this server made was last read to still name it (holds). */
  private readonly heldAt = new Map<string, { wall: number; mono: number }>();
  /** The reads of claim files in flight: callers meanwhile share one (a call's freshen, then its sending). */
  private readonly reading = new Map<string, Promise<boolean>>();
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
  private holds(key: string): Promise<boolean> {
    const file = claimFile(this.dir, key);
    if (!this.made.has(file)) return Promise.resolve(true);
    // read again only HOLD_READ_MS after it last said so, by both clocks: a claim is taken over only from
    // a server that failed to prove it for PROOF_MS, and one stopped meanwhile (SIGSTOP, a suspend) sees the time pass
    const last = this.heldAt.get(file);
    const now = this.clock();
    if (last && now.wall >= last.wall && now.wall - last.wall < HOLD_READ_MS && now.mono - last.mono < HOLD_READ_MS)
      return Promise.resolve(true);
    const inFlight = this.reading.get(file);
    if (inFlight) return inFlight;
    const read = this.readHolds(file, key).finally(() => this.reading.delete(file));
    this.reading.set(file, read);
    return read;
  }

  /** The claim file read: whether it names this server still. */
  private async readHolds(file: string, key: string): Promise<boolean> {
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
          `engine ${key}: its claim ` +
            `${held ? `by process ${held.pid} does not hold (it does not prove its token, or the process is gone)` : 'is unreadable'}: ` +
            `taken over`,
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
