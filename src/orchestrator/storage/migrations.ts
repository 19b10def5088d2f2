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
  `CREATE TABLE answers (id TEXT PRIMARY KEY, model TEXT NOT NULL, host TEXT, work TEXT NOT ` +
    `NULL, at TEXT NOT NULL, verdict TEXT);`,
  // 3: long work handed over before a client's time limit (jobs/long-work.ts): one row per job, its
  // owner (the calling agent) and the key of its call (tool, arguments, input contents), its state,
  // the pid of the server running it, whether its call was handed over (answered before it ended),
  // the parts answered so far and its result, kept a bounded time after it ends
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     tool TEXT NOT NULL,
     call_key TEXT NOT NULL,
     state TEXT NOT NULL,
     runner INTEGER NOT NULL,
     handed INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     progress TEXT,
     parts TEXT,
     result TEXT
   );
   CREATE INDEX jobs_by_call ON jobs (owner, call_key);`,
  // 4: a task's kept ttl (MCP Tasks: the ttl its client asked for, at most our own), counted from
  // its creation; and each owner's rows by state and age, for the bound kept per owner (job-store.ts)
  `ALTER TABLE jobs ADD COLUMN keep_ms INTEGER;
   CREATE INDEX jobs_by_owner ON jobs (owner, state, updated_at);`,
  // 5: how far a running job is beyond its progress line (its parts in all, when its whole result is
  // expected), and when its result was returned to its agent (it is sent once: long-work.ts)
  `ALTER TABLE jobs ADD COLUMN status TEXT;
   ALTER TABLE jobs ADD COLUMN delivered_at INTEGER;`,
  // 6: what every answer changes, one row per store and key (keyed-rows.ts) — the speeds learned and the
  // evidence routing learns from had each been one document, read, checked and written whole by every
  // answer (issue 82) — numbered in the order written (AUTOINCREMENT: never reused, so a reader takes
  // what is newer than it saw; a row of key '' says rows were forgotten); the documents' entries taken
  // over (the speeds oldest first; none of key ''); their rows are left for an earlier version still running
  `CREATE TABLE records (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     store TEXT NOT NULL,
     key TEXT NOT NULL,
     json TEXT NOT NULL,
     UNIQUE (store, key)
   );
   CREATE INDEX records_by_store ON records (store, seq);
   INSERT INTO records (store, key, json)
     SELECT 'speeds', e.key, e.value FROM documents d, json_each(
       CASE WHEN json_valid(d.json) AND json_type(d.json, '$.speeds') = 'object' THEN d.json ELSE '{}' END,
       '$.speeds'
     ) e
     WHERE d.name = 'speeds' AND e.type = 'object' AND e.key <> ''
     ORDER BY json_extract(e.value, '$.lastMs');
   INSERT INTO records (store, key, json)
     SELECT 'evidence', e.key, e.value FROM documents d, json_each(
       CASE WHEN json_valid(d.json) AND json_type(d.json, '$.evidence') = 'object' THEN d.json ELSE '{}' END,
       '$.evidence'
     ) e
     WHERE d.name = 'evidence' AND e.type = 'object' AND e.key <> '';`,
];
