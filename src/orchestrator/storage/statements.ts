/**
 * Statements compiled once per connection and kept: a call's reads and its records run the same
 * few statements every time, and compiling one costs more than running it. SQLite compiles a kept
 * statement again by itself when the schema changes.
 */
import type Libsql from 'libsql';

type Statement = Libsql.Statement<unknown[]>;
const compiled = new WeakMap<Libsql.Database, Map<string, Statement>>();

/** The statement of `text` on this connection, compiled at its first use. */
export function statement(db: Libsql.Database, text: string): Statement {
  let byText = compiled.get(db);
  if (!byText) compiled.set(db, (byText = new Map()));
  let stmt = byText.get(text);
  if (!stmt) byText.set(text, (stmt = db.prepare(text)));
  return stmt;
}
