/**
 * One plan per engine on a machine. ollm-mcp servers of one user that use the same engine — a
 * shared server with other settings, another build still running, a server started with
 * --no-shared or over HTTP — leave its memory plan to one of them: the first to claim it. A claim
 * is a file in the user's private socket folder (place.ts: 0700, this user's), `engine-<hash>.json`
 * (0600), written aside and linked in place (never seen half-written; a link fails where one is), naming the engine (kind and address), the claiming process, and the
 * loopback MCP endpoint and token where the others reach it (engines/planned-elsewhere.ts sends
 * them there, as to a host of kind ollm).
 *
 * A claim holds while its endpoint answers with its token (proof: any answer but 401/403 within
 * PROOF_MS — a pid alone could be another process's by now). A claim that does not hold (its
 * server gone, hung or killed) is removed — only if it still says what was read — and taken. A
 * server leaving removes the claims it made, if they still name it.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { unlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineClaim, Planner } from '../../orchestrator/engines/planned-elsewhere.js';
import { log } from '../../orchestrator/util/log.js';

/** How long a claim's endpoint may take to prove it is there. */
export const PROOF_MS = 1500;
/** The most of a claim file read. */
const CLAIM_BYTES = 4096;

/** The loopback endpoint this server is reached at by the others: started by the first claim it makes. */
export interface Endpoint {
  url: string;
  token: string;
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

/** The claim file of an engine in `dir`. */
export function claimFile(dir: string, key: string): string {
  return join(dir, `engine-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
}

interface Held extends Planner {
  key: string;
}

/** A claim's contents, checked: undefined when it is not one (bad JSON, a field missing or odd, an endpoint beyond loopback). */
export function parseClaim(text: string): Held | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { key, pid, url, token } = v as Record<string, unknown>;
  if (typeof key !== 'string' || typeof url !== 'string' || typeof token !== 'string' || !Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
  if (token.length < 16 || token.length > 200) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' || u.hostname !== '127.0.0.1') return undefined; // only this machine's loopback is ever reached through a claim
  } catch {
    return undefined;
  }
  return { key, pid: pid as number, url, token };
}

/** Whether the endpoint answers with the token (any answer but a refusal of it) within PROOF_MS. */
export function proves(held: Planner, timeoutMs = PROOF_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(held.url, { method: 'GET', headers: { authorization: `Bearer ${held.token}`, accept: 'application/json, text/event-stream' }, agent: false, timeout: timeoutMs }, (res) => {
      resolve(res.statusCode !== 401 && res.statusCode !== 403);
      req.destroy(); // the status is all it says: nothing more is read (a stream opened there is not kept)
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A new endpoint token: 32 random bytes, hex. */
export const newToken = (): string => randomBytes(32).toString('hex');

export class EngineClaims {
  /** The claim files this server made (removed when it leaves, if they still name it). */
  private readonly made = new Set<string>();
  private endpoint: Promise<Endpoint> | undefined;

  constructor(
    private readonly dir: string,
    /** Starts this server's loopback endpoint (once: the first claim it makes). */
    private readonly start: () => Promise<Endpoint>,
    private readonly pid = process.pid,
  ) {}

  /** Starts this server's endpoint now (before the first claim needs it); a failure is met again by that claim. */
  warm(): void {
    (this.endpoint ??= this.start()).catch(() => undefined);
  }

  /** The claim of one engine, as the fleet asks it. */
  claim(kind: string, url: string): EngineClaim {
    const key = engineKey(kind, url);
    return { planner: () => this.plannerOf(key).catch((err: unknown) => this.alone(key, err)) };
  }

  /** Who plans the engine: another server whose claim holds, or none — this one, having claimed it. */
  private async plannerOf(key: string): Promise<Planner | undefined> {
    const file = claimFile(this.dir, key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
      if (text !== undefined) {
        const held = text.length <= CLAIM_BYTES ? parseClaim(text) : undefined;
        if (held && held.pid === this.pid) return undefined; // this server's own
        if (held && held.key === key && (await proves(held))) return { url: held.url, token: held.token, pid: held.pid };
        if (!(await removeIfSame(file, text))) continue; // changed meanwhile: read again
        log.info(`engine ${key}: its claim ${held ? `by process ${held.pid} does not hold (its endpoint does not answer)` : 'is unreadable'}: taken over`);
      }
      const me = await (this.endpoint ??= this.start());
      // written whole aside, then linked in place (fails if a claim is there): never seen half-written
      const aside = `${file}.${this.pid}.new`;
      await writeFile(aside, JSON.stringify({ key, pid: this.pid, url: me.url, token: me.token, since: new Date().toISOString() }), { mode: 0o600 });
      try {
        await link(aside, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // another server claimed it first: read its claim
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

  /** Removes the claims this server made that still name it (at exit: synchronous). */
  releaseSync(): void {
    for (const file of this.made) {
      try {
        const held = parseClaim(readFileSync(file, 'utf8'));
        if (held?.pid === this.pid) unlinkSync(file);
      } catch {
        // gone already
      }
    }
    this.made.clear();
  }
}

/** Removes `file` if it still holds `text`; whether it is gone now. */
async function removeIfSame(file: string, text: string): Promise<boolean> {
  const now = await readFile(file, 'utf8').catch(() => undefined);
  if (now === undefined) return true;
  if (now !== text) return false;
  await rm(file, { force: true });
  return true;
}
