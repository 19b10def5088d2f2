/**
 * `ollm-mcp state backup FILE`: a consistent copy of the state database, made with SQLite's
 * `VACUUM INTO` (libsql has no online backup API) through a read transaction, so it works while
 * servers run and write. The copy is written beside FILE under a temporary name and renamed into
 * place: FILE is never half-written, and an existing FILE is replaced only with --force. FILE is
 * never the state database or a file SQLite keeps beside it (backup-target.ts). `-` writes the
 * copy to standard output (when that is not a terminal).
 */
import { lstat, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Orchestrator } from '../orchestrator/index.js';
import { formatBytes } from '../orchestrator/config/units.js';
import { backupPath, liveFileAt, partialName } from '../orchestrator/storage/backup-target.js';
import { retryBusy } from '../orchestrator/storage/busy.js';
import { stateDb, STATE_FILE, storageError } from '../orchestrator/storage/db.js';
import { diskProblem } from '../orchestrator/util/disk-errors.js';
import type { CliArgs } from './args.js';
// a shell command's answer, for the user's terminal (never while serving MCP)
import { fail, print } from './commands.js';

/** Writes a consistent copy of the database to `temp` (which must not exist). */
async function copyTo(orch: Orchestrator, temp: string): Promise<void> {
  const db = await stateDb(orch.config.home);
  await retryBusy(join(orch.config.home, STATE_FILE), () => db.prepare('VACUUM INTO ?').run(temp));
}

/**
 * `state backup -`: the copy on standard output. It is made in the state folder (the disk that
 * holds the database has room for it) and unlinked once open, so nothing is left behind even when
 * the reader goes away mid-way.
 */
async function backupToOutput(orch: Orchestrator, source: string): Promise<number> {
  if (process.stdout.isTTY)
    return fail(
      '"-" writes the backup (a binary database file) to the output, which is a terminal here; ' +
        'nothing was written. Redirect it (state backup - > FILE) or name a file.',
    );
  const temp = partialName(source);
  try {
    await copyTo(orch, temp);
    const file = await open(temp, 'r');
    await rm(temp, { force: true });
    const size = (await file.stat()).size;
    await pipeline(file.createReadStream(), process.stdout, { end: false });
    process.stderr.write(`Backed up ${source} to the output (${formatBytes(size)}).\n`);
    return 0;
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    return fail(diskProblem(err, temp) ?? storageError(err, source, 'back up the state database').message);
  }
}

export async function stateCommand(orch: Orchestrator, args: CliArgs): Promise<number> {
  if (args.action !== 'backup') return fail(`Unknown action "state ${args.action ?? ''}" — state backup FILE.`);
  const given = args.params[0]!;
  const source = join(orch.config.home, STATE_FILE);
  if (given === '-') return backupToOutput(orch, source);
  const shown = resolve(given);
  const target = await backupPath(given); // where the kernel writes: links and ".." followed
  if (target === undefined)
    return fail(`The folder of ${shown} does not exist; nothing was written. Create it, or choose another file.`);
  const live = await liveFileAt(orch.config.home, target);
  if (live !== undefined) {
    return fail(
      `${shown} is ` +
        `${live === STATE_FILE ? 'the state database itself' : `${join(orch.config.home, live)}, a file SQLite keeps beside the state database`}: ` +
        `a backup there would replace the store under any running server. Nothing was written; ` +
        `choose a file outside ${orch.config.home}.`,
    );
  }
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !args.force)
    return fail(`${shown} already exists; nothing was written. Choose another file, or add --force to replace it.`);
  if (existing && !existing.isFile())
    return fail(`${shown} is not a regular file; nothing was written. Choose another file.`);
  const temp = partialName(target);
  try {
    await copyTo(orch, temp);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    return fail(diskProblem(err, shown) ?? storageError(err, source, 'back up the state database').message);
  }
  const size = (await stat(target)).size;
  print(`Backed up ${source} to ${shown} (${formatBytes(size)}).`);
  return 0;
}
