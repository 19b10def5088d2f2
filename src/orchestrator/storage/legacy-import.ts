/**
 * The JSON files earlier versions kept in $OLLM_HOME (memory.json, metrics.json,
 * preferences.json, comparisons.json, savings.json) are imported into the state database once —
 * by whichever process gets there first, in the same transaction that records the import — and
 * then kept beside it as `<file>.imported-backup`. A damaged file is salvaged as before (what can
 * be read is imported; the backup keeps every byte). Only a regular file is read, within a size
 * bound: a FIFO or a link in its place is left alone and said so in the log.
 */
import { constants } from 'node:fs';
import { lstat, open, rename, stat } from 'node:fs/promises';
import { log } from '../util/log.js';
import { write, type Db } from './db.js';
import { decodeJson } from './decode.js';

/** A legacy file larger than this is not imported (it is left where it is, and the log says so). */
export const MAX_LEGACY_BYTES = 64 * 2 ** 20;

export interface LegacyFile<T> {
  file: string;
  /** Names the data in log lines and notices, e.g. "memory". */
  label: string;
  /** The valid content and the entries that are not; null when the file is not ours at all. */
  parse(raw: unknown): { value: T; rejected: unknown[] } | null;
  /** Writes the value into the database (called inside the import's transaction); returns how many entries it kept. */
  insert(db: Db, value: T): number;
}

export interface ImportReport {
  file: string;
  kept: number;
  setAside: number;
  backup?: string;
}

/** The file's text, or undefined when there is none or it is not a regular file within the bound. */
async function readRegular(file: string, label: string): Promise<string | undefined> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO in the file's place does not block the open; O_NOFOLLOW: a link is not followed
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      log.warn(
        `${label}: ${file} was not imported: ${code === 'ELOOP' ? 'it is a symbolic link' : (e as Error).message}`,
      );
    return undefined;
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) {
      log.warn(`${label}: ${file} was not imported: it is not a regular file.`);
      return undefined;
    }
    if (s.size > MAX_LEGACY_BYTES) {
      log.warn(`${label}: ${file} was not imported: ${s.size} bytes is more than ${MAX_LEGACY_BYTES}.`);
      return undefined;
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

const imported = (db: Db, file: string) =>
  db.prepare('SELECT 1 AS x FROM imports WHERE file = ?').get(file) !== undefined;

/**
 * Imports `spec.file` into the database unless it was imported before; returns what happened, or
 * undefined when there was nothing to import.
 */
export async function importLegacy<T>(db: Db, spec: LegacyFile<T>): Promise<ImportReport | undefined> {
  if (imported(db, spec.file)) {
    await noteLeftOver(db, spec);
    return undefined;
  }
  const text = await readRegular(spec.file, spec.label);
  if (text === undefined) return undefined;
  const decoded = await decodeJson(text);
  const parsed = decoded === null ? null : spec.parse(decoded.data);
  const report: ImportReport = {
    file: spec.file,
    kept: 0,
    setAside: parsed === null ? 1 : parsed.rejected.length + (decoded?.badText !== undefined ? 1 : 0),
  };
  const { value: done } = await write(db, () => {
    if (imported(db, spec.file)) return false; // another process imported it meanwhile
    if (parsed) report.kept = spec.insert(db, parsed.value);
    db.prepare('INSERT INTO imports (file, at, kept, set_aside) VALUES (?, ?, ?, ?)').run(
      spec.file,
      new Date().toISOString(),
      report.kept,
      report.setAside,
    );
    return true;
  });
  if (!done) return undefined;
  report.backup = await keepAsBackup(spec.file);
  // a write like any other: another process may hold the lock now (it waits, never fails for that)
  const backup = report.backup;
  if (backup) await write(db, () => db.prepare('UPDATE imports SET backup = ? WHERE file = ?').run(backup, spec.file));
  log.info(
    `${spec.label}: imported ${report.kept} entries from ${spec.file} into the state ` +
      `database${report.setAside ? ` (${report.setAside} unreadable, kept in the backup)` : ''}; ` +
      `the file is kept as ${report.backup ?? spec.file}`,
  );
  return report;
}

/**
 * A file of that name after its import was recorded — an earlier version still running on this
 * home wrote it again, or someone put it back — is never imported again (the database holds the
 * data now: sums would count twice, and older values would win over newer ones); it is left as it
 * is, and the log says so. Only once the import's rename is recorded: until then the file is the
 * one being imported, by another process.
 */
async function noteLeftOver<T>(db: Db, spec: LegacyFile<T>): Promise<void> {
  const row = db.prepare('SELECT at, backup FROM imports WHERE file = ?').get(spec.file) as
    { at: string; backup: string | null } | undefined;
  if (!row?.backup) return;
  const there = await lstat(spec.file).then(
    () => true,
    () => false,
  );
  if (there)
    log.warn(
      `${spec.label}: ${spec.file} is not read: a file of that name was imported into the state ` +
        `database on ${row.at}, which holds the ${spec.label} now. Move this one away; it is left as it is.`,
    );
}

/** Renames the imported file out of the way (never over an earlier backup); undefined when it cannot be moved. */
async function keepAsBackup(file: string): Promise<string | undefined> {
  let backup = `${file}.imported-backup`;
  if (
    await stat(backup).then(
      () => true,
      () => false,
    )
  )
    backup = `${file}.imported-backup-${Date.now()}`;
  try {
    await rename(file, backup);
    return backup;
  } catch (e) {
    log.warn(
      `${file} was imported but could not be renamed to ${backup}: ${(e as Error).message}; it is not read again.`,
    );
    return undefined;
  }
}
