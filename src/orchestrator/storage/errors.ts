/** The state database's failures, in words for the user. */
import { diskProblem } from '../util/disk-errors.js';

/**
 * The database cannot be used (a FIFO or a link in its place, a full or read-only disk, a lock held too
 * long); the message says what to do.
 */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** A failure turned into words for the user: the disk's own problem when it is one. */
export function storageError(err: unknown, path: string, doing: string): StorageError {
  if (err instanceof StorageError) return err;
  const disk = diskProblem(err, path);
  const why = err instanceof Error ? err.message : String(err);
  return new StorageError(disk ?? `Cannot ${doing} in ${path}: ${why}. Nothing was changed; try again.`);
}
