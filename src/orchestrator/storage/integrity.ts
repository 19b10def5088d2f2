/**
 * Before SQLite reads a state database, its files are checked, so that a write-ahead log that is
 * not this database's (copied in from another home, damaged) or a database that is not one is never
 * silently adopted — SQLite would apply any well-formed log to any database of the same page size.
 *
 * What ties a log to its database: every write transaction of ollm-mcp rewrites the store's
 * identity (PRAGMA application_id, a random number given at creation, on page 1), so each commit
 * in the log carries page 1 with it. A log is kept aside when its header is not a valid WAL header
 * (magic, version, checksum), when its page size differs from the database's, when the database
 * is missing or empty, or when the last page 1 it commits names another store than the database
 * file's own page 1. A log that cannot be judged (no page 1 in it, or a store from before
 * identities) is adopted as SQLite would: what this decides is never to lose a store's data, and
 * a file kept aside is renamed, never deleted. Only the bytes are read, so a log another running
 * process is writing is judged without disturbing it (a torn read is read again).
 */
import { open, readdir, rename } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** A file moved out of the way at open, and why. */
export interface SetAside {
  file: string;
  keptAs: string;
  why: string;
}

const WAL_MAGIC = [0x377f0682, 0x377f0683];
const WAL_VERSION = 3007000;
const SQLITE_MAGIC = 'SQLite format 3\0';
const APP_ID_OFFSET = 68;

/** The page size a header field holds (1 stands for 65536). */
const pageSize = (field: number) => (field === 1 ? 65536 : field);

/** SQLite's WAL checksum over `data` (a multiple of 8 bytes), little- or big-endian words as the magic says. */
function walChecksum(data: Buffer, bigEndian: boolean, s: [number, number] = [0, 0]): [number, number] {
  let [s0, s1] = s;
  for (let i = 0; i + 8 <= data.length; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

interface WalFacts {
  valid: boolean;
  pageSize: number;
  /** The store identity on the last committed page 1 in the log, if it holds one. */
  lastAppId?: number;
  frames: number;
}

/** Reads what the log says of itself; `valid` false when its header is not a WAL header. */
async function readWal(file: string): Promise<WalFacts | undefined> {
  const h = await open(file, 'r').catch(() => undefined);
  if (!h) return undefined;
  try {
    const size = (await h.stat()).size;
    if (size === 0) return { valid: true, pageSize: 0, frames: 0 };
    const head = Buffer.alloc(32);
    const { bytesRead } = await h.read(head, 0, 32, 0);
    if (bytesRead < 32) return { valid: false, pageSize: 0, frames: 0 };
    const magic = head.readUInt32BE(0);
    const bigEndian = magic === 0x377f0683;
    const ps = head.readUInt32BE(8);
    const sum = walChecksum(head.subarray(0, 24), bigEndian);
    const valid =
      WAL_MAGIC.includes(magic) &&
      head.readUInt32BE(4) === WAL_VERSION &&
      ps >= 512 &&
      ps <= 65536 &&
      (ps & (ps - 1)) === 0 &&
      sum[0] === head.readUInt32BE(24) &&
      sum[1] === head.readUInt32BE(28);
    if (!valid) return { valid, pageSize: ps, frames: 0 };
    const salts = [head.readUInt32BE(16), head.readUInt32BE(20)];
    // frames count only while their salts and checksum chain hold, and up to the last commit
    let chain: [number, number] = sum;
    let pending: number | undefined;
    let lastAppId: number | undefined;
    let frames = 0;
    const frame = Buffer.alloc(24 + ps);
    for (let at = 32; at + 24 + ps <= size; at += 24 + ps) {
      await h.read(frame, 0, 24 + ps, at);
      if (frame.readUInt32BE(8) !== salts[0] || frame.readUInt32BE(12) !== salts[1]) break;
      chain = walChecksum(frame.subarray(24), bigEndian, walChecksum(frame.subarray(0, 8), bigEndian, chain));
      if (chain[0] !== frame.readUInt32BE(16) || chain[1] !== frame.readUInt32BE(20)) break;
      if (frame.readUInt32BE(0) === 1) pending = frame.readUInt32BE(24 + APP_ID_OFFSET);
      if (frame.readUInt32BE(4) !== 0) {
        // a commit frame: what came before it is committed
        frames = (at - 32) / (24 + ps) + 1;
        if (pending !== undefined) lastAppId = pending;
        pending = undefined;
      }
    }
    return { valid, pageSize: ps, frames, ...(lastAppId !== undefined && { lastAppId }) };
  } finally {
    await h.close();
  }
}

/** The database file's header facts; undefined when it is missing. */
async function readDbHeader(
  file: string,
): Promise<{ size: number; isDb: boolean; pageSize: number; appId: number } | undefined> {
  const h = await open(file, 'r').catch(() => undefined);
  if (!h) return undefined;
  try {
    const size = (await h.stat()).size;
    const head = Buffer.alloc(100);
    const { bytesRead } = await h.read(head, 0, 100, 0);
    const isDb = bytesRead === 100 && head.toString('latin1', 0, 16) === SQLITE_MAGIC;
    return {
      size,
      isDb,
      pageSize: isDb ? pageSize(head.readUInt16BE(16)) : 0,
      appId: isDb ? head.readUInt32BE(APP_ID_OFFSET) : 0,
    };
  } finally {
    await h.close();
  }
}

/** `<file>.<timestamp>.damaged`: where a file kept aside goes. */
function keptAsideName(file: string, at = new Date()): string {
  return `${file}.${at.toISOString().replace(/[:.]/g, '-')}.damaged`;
}

/** Moves `file` (and, for a database, its log and index) aside; returns what moved. */
async function setAside(file: string, why: string, at = new Date()): Promise<SetAside[]> {
  const moved: SetAside[] = [];
  const keptAs = keptAsideName(file, at);
  try {
    await rename(file, keptAs);
    moved.push({ file, keptAs, why });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return moved;
}

/** Whether the home shows that a store was written there (an earlier version's imported files). */
async function storeWasWritten(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => n.includes('.imported-backup'));
}

/** A file that must not be adopted, and why. */
export interface Verdict {
  file: string;
  why: string;
}

/**
 * Judges `path` (the database) and its log before SQLite opens them: what must not be adopted
 * (empty when all is well). Moves nothing: only a process that proves no other has the store open
 * sets a file aside (gate.ts).
 */
export async function judgeBeforeOpen(path: string): Promise<Verdict[]> {
  const wal = `${path}-wal`;
  const shm = `${path}-shm`;
  const db = await readDbHeader(path);
  // a torn read of a log another process is resetting looks invalid for a moment: read it again
  let facts = await readWal(wal);
  if (facts && !facts.valid) {
    await new Promise((r) => setTimeout(r, 50));
    facts = await readWal(wal);
  }
  const walHasData = facts !== undefined && (facts.frames > 0 || !facts.valid);
  const frames = facts ?? { valid: true, pageSize: 0, frames: 0 };
  if (db && db.size > 0 && !db.isDb) {
    const with_ = `it belonged to the ${basename(path)} kept aside`;
    return [
      { file: path, why: `${basename(path)} is not a SQLite database` },
      { file: wal, why: with_ },
      { file: shm, why: with_ },
    ];
  }
  const out: Verdict[] = [];
  let walWhy: string | undefined;
  if (facts && !facts.valid) walWhy = 'its header is not a valid write-ahead log header (damaged)';
  // a 0-byte database beside a log with data is a new store before its first checkpoint — another
  // process may be writing it this moment — so only a missing database makes a log an orphan
  else if (walHasData && !db) walWhy = `it has no database beside it (${basename(path)} is missing)`;
  else if (walHasData && db && db.size > 0 && frames.pageSize !== db.pageSize)
    walWhy = `its page size (${frames.pageSize}) is not the database's (${db.pageSize}): it belongs to another database`;
  else if (walHasData && db && db.appId !== 0 && frames.lastAppId !== undefined && frames.lastAppId !== db.appId)
    walWhy = 'it belongs to another store (copied from another home?)';
  if (db && db.size === 0 && !walHasData && (await storeWasWritten(dirname(path)))) {
    out.push({ file: path, why: `${basename(path)} is empty: what is left of a truncated store` });
  }
  if (walWhy) out.push({ file: wal, why: walWhy }, { file: shm, why: 'the index of the write-ahead log kept aside' });
  return out;
}

/** Sets aside what `judgeBeforeOpen` found (those still there); returns what moved. */
export async function setAsideAll(verdicts: readonly Verdict[], at = new Date()): Promise<SetAside[]> {
  const out: SetAside[] = [];
  for (const v of verdicts) out.push(...(await setAside(v.file, v.why, at)));
  return out;
}

/**
 * Checks `path` (the database) and its log before SQLite opens them; moves aside what must not be
 * adopted and returns it (empty when all is well). The caller holds the store's gate exclusively.
 */
export async function checkBeforeOpen(path: string): Promise<SetAside[]> {
  return setAsideAll(await judgeBeforeOpen(path));
}

/** Whether a SQLite failure means the database file is damaged (not busy, not the disk). */
export function isCorrupt(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const message = err instanceof Error ? err.message : '';
  return (
    code === 'SQLITE_NOTADB' ||
    code.startsWith('SQLITE_CORRUPT') ||
    /file is not a database|malformed|cannot rollback - no transaction is active/.test(message)
  );
}
