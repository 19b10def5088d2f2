/**
 * `ollm-mcp state backup FILE`: a consistent copy of the state database, made with SQLite's
 * `VACUUM INTO` (libsql has no online backup API) through a read transaction, so it works while
 * servers run and write. The copy is written beside FILE under a temporary name and renamed into
 * place: FILE is never half-written, and an existing FILE is replaced only with --force.
 */
import { lstat, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Orchestrator } from '../orchestrator/index.js';
import { formatBytes } from '../orchestrator/config/units.js';
import { retryBusy } from '../orchestrator/storage/busy.js';
import { stateDb, STATE_FILE, storageError } from '../orchestrator/storage/db.js';
import { diskProblem } from '../orchestrator/util/disk-errors.js';
import type { CliArgs } from './args.js';
// a shell command's answer, for the user's terminal (never while serving MCP)
import { fail, print } from './commands.js';


export async function stateCommand(orch: Orchestrator, args: CliArgs): Promise<number> {
  if (args.action !== 'backup') return fail(`Unknown action "state ${args.action ?? ''}" — state backup FILE.`);
  const target = resolve(args.params[0]!);
  const source = join(orch.config.home, STATE_FILE);
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !args.force) return fail(`${target} already exists; nothing was written. Choose another file, or add --force to replace it.`);
  if (existing && !existing.isFile()) return fail(`${target} is not a regular file; nothing was written. Choose another file.`);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  try {
    const db = await stateDb(orch.config.home);
    await rm(temp, { force: true });
    await retryBusy(source, () => db.prepare('VACUUM INTO ?').run(temp));
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    return fail(diskProblem(err, target) ?? storageError(err, source, 'back up the state database').message);
  }
  const size = (await stat(target)).size;
  print(`Backed up ${source} to ${target} (${formatBytes(size)}).`);
  return 0;
}
