/** Reads a home's state database directly, as a person with the sqlite3 shell would. */
import { join } from 'node:path';
import Database from 'libsql';

/** The keys remembered in `home`'s state.db. */
export function keysInDb(home: string): Set<string> {
  const db = new Database(join(home, 'state.db'), { readonly: true });
  try {
    return new Set((db.prepare('SELECT key FROM memory').all() as Array<{ key: string }>).map((r) => r.key));
  } finally {
    db.close();
  }
}
