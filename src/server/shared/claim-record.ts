/**
 * An engine's claim as written (engine-claims.ts): the key that names the engine however its
 * address is written, the claim's file in the user's socket folder, and a claim's contents checked.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Planner } from '../../orchestrator/engines/planned-elsewhere.js';

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
