/** The state database's schema, migrated forward at open, and the store's identity. */
import type Libsql from 'libsql';
import { MIGRATIONS } from './migrations.js';

type Db = Libsql.Database;

/** Applies the migrations this database lacks, in one write transaction (re-read under the lock). */
export function migrate(db: Db): void {
  const version = () => Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  if (version() >= MIGRATIONS.length) return;
  db.transaction(() => {
    // re-read under the write lock: another process may have migrated meanwhile
    for (let v = version(); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }
  }).immediate();
}

/** The store's identity (PRAGMA application_id), given once, at random, by the first process to need it. */
export function claimIdentity(db: Db): number {
  const got = ids.get(db);
  if (got) return got;
  const read = () => Number((db.prepare('PRAGMA application_id').get() as { application_id: number }).application_id);
  const id = read();
  if (id !== 0) {
    ids.set(db, id);
    return id;
  }
  const given = db
    .transaction(() => {
      const now = read(); // another process may have given it meanwhile
      if (now !== 0) return now;
      const fresh = 1 + Math.floor(Math.random() * 0x7ffffffe);
      db.exec(`PRAGMA application_id = ${fresh}`);
      return fresh;
    })
    .immediate();
  ids.set(db, given);
  return given;
}
const ids = new WeakMap<Db, number>();

/** Rewrites the identity on page 1, so that every commit in the log names its store (integrity.ts). */
export function stamp(db: Db): void {
  const id = ids.get(db);
  if (id) db.exec(`PRAGMA application_id = ${id}`);
}
