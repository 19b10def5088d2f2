/**
 * The state database's schema, one step per version (PRAGMA user_version counts the steps
 * applied). A step is never edited once released: a change is a new step at the end.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: memory, sums (metrics, the savings ledger), whole documents (preferences, comparisons),
  // and which legacy JSON files were imported
  `CREATE TABLE memory (
     norm_key TEXT PRIMARY KEY,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     category TEXT NOT NULL,
     source TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     access_count INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE sums (store TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (store, key));
   CREATE TABLE documents (name TEXT PRIMARY KEY, json TEXT NOT NULL);
   CREATE TABLE imports (file TEXT PRIMARY KEY, at TEXT NOT NULL, kept INTEGER NOT NULL, set_aside INTEGER NOT NULL, backup TEXT);`,
  // 2: the answers an agent may give a verdict on (generation/outcomes.ts), one row each
  `CREATE TABLE answers (id TEXT PRIMARY KEY, model TEXT NOT NULL, host TEXT, work TEXT NOT NULL, at TEXT NOT NULL, verdict TEXT);`,
];
