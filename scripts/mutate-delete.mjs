/**
 * Deletion mutants for `npm run mutate` (scripts/mutate.mjs): edits StrykerJS never makes, since it
 * changes operators and literals but never removes one check of several. Made with the TypeScript
 * compiler's parser from each guard module's source:
 *
 * - `ArrayElementDeletion`: one element of an array literal of two or more removed — a list of
 *   checks, names, patterns, a table's rows, a `new Set([...])`/`new Map([...])` entry (an array
 *   of one is Stryker's: its ArrayDeclaration mutant empties it; a row of a table — a Map's
 *   `[key, value]` entry, a `[pattern, what]` pair — is deleted whole, never one of its cells).
 * - `OperandDeletion`: one operand of a `&&`/`||` chain removed (`a && b && c` → `b && c`,
 *   `a && c`, `a && b`); parentheses start a chain of their own.
 * - `RefusalDeletion`: an early `return` or any `throw` removed (made `{}`), so the code goes on
 *   past a refusal. Not made where Stryker already deletes the same: a `return`/`throw` that is
 *   the whole body of an `if` without `else` (its ConditionalExpression makes the condition false,
 *   its BlockStatement empties the body). A `return` at the end of its function's flow is the
 *   answer, not a refusal, and is left alone.
 *
 * Each mutant runs the module's tests the way Stryker's command runner does — the same command, a
 * process of its own, killed when it passes a time limit from the unmutated run (a timeout counts as
 * killed) — in a private copy of the worktree (node_modules linked), so the worktree never holds a
 * mutated file. Results go in test/mutation/NAME.deletions.json (committed), keyed by a hash of
 * the mutator, the top-level statement the mutant is in, its place there and the statement
 * mutated: after a change only the mutants in the statements touched run again; after a change to
 * the module's tests the survivors do; `--full` runs all.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const LOGICAL = new Set([ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken]);

/** The operands of the `&&`/`||` chain topped by `node` (same operator, no parentheses between). */
function chainOperands(node) {
  const op = node.operatorToken.kind;
  const out = [];
  let n = node;
  while (ts.isBinaryExpression(n) && n.operatorToken.kind === op) {
    out.unshift(n.right);
    n = n.left;
  }
  out.unshift(n);
  return out;
}

/** Text ranges that remove item i of a comma- or operator-separated list (with its separator). */
function removal(items, i, sf) {
  if (i < items.length - 1) return [items[i].getStart(sf), items[i + 1].getStart(sf)];
  return [items[i - 1].end, items[i].end];
}

/** Whether a `return` ends its function's flow: last in each block up to the function's body. */
function endsFunction(stmt) {
  let node = stmt;
  for (;;) {
    const p = node.parent;
    if (ts.isBlock(p)) {
      if (p.statements.at(-1) !== node) return false;
      if (ts.isFunctionLike(p.parent)) return true;
      node = p;
    } else if (ts.isIfStatement(p) || ts.isTryStatement(p)) node = p;
    else if (ts.isCatchClause(p)) node = p.parent;
    else return false;
  }
}

/** Whether a statement is the whole body of an `if` without `else` (Stryker's mutants delete it already). */
function soleIfBody(stmt) {
  const body = ts.isBlock(stmt.parent) && stmt.parent.statements.length === 1 ? stmt.parent : stmt;
  const p = body.parent;
  return ts.isIfStatement(p) && p.thenStatement === body && p.elseStatement === undefined;
}

/**
 * Whether an array is a row of a table — an element of an array whose elements are all arrays (a
 * `new Map([...])`'s `[key, value]` entries, `[pattern, what]` pairs): a row is a record, deleted
 * whole, never a cell alone.
 */
function tableRow(node) {
  const list = node.parent;
  return ts.isArrayLiteralExpression(list) && list.elements.every((e) => ts.isArrayLiteralExpression(e));
}

/** The statement at the top of the file that holds `node`. */
function topStatement(node) {
  let n = node;
  while (n.parent && !ts.isSourceFile(n.parent)) n = n.parent;
  return n;
}

/**
 * The deletion mutants of a module's source, each with its mutator, place (1-based line and column,
 * as Stryker reports them), replacement (the node mutated, as it reads after), the mutated source,
 * and a key that stays the same while the statement it is in does.
 */
export function deletionMutants(source, fileName) {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  // `node` is the node shown mutated; `item` the element, operand or statement removed, which places it
  const add = (mutatorName, node, item, [from, to], replaceWith = '') => {
    const mutated = source.slice(0, from) + replaceWith + source.slice(to);
    const at = (pos) => {
      const { line, character } = sf.getLineAndCharacterOfPosition(pos);
      return { line: line + 1, column: character + 1 };
    };
    const top = topStatement(node);
    const topFrom = top.getStart(sf);
    const after = mutated.slice(topFrom, top.end - (to - from) + replaceWith.length);
    const key = createHash('sha256')
      .update([mutatorName, source.slice(topFrom, top.end), from - topFrom, after].join('\0'))
      .digest('hex')
      .slice(0, 16);
    const shown = ts.isBinaryExpression(node) || ts.isArrayLiteralExpression(node) ? node : undefined;
    const replacement = shown
      ? mutated.slice(shown.getStart(sf), shown.end - (to - from) + replaceWith.length)
      : replaceWith;
    found.push({
      key,
      mutatorName,
      location: { start: at(item.getStart(sf)), end: at(item.end) },
      replacement,
      mutated,
    });
  };
  const visit = (node) => {
    if (ts.isArrayLiteralExpression(node) && node.elements.length >= 2) {
      const target =
        ts.isBinaryExpression(node.parent) &&
        node.parent.left === node &&
        node.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
      if (!target && !tableRow(node))
        node.elements.forEach((el, i) => add('ArrayElementDeletion', node, el, removal(node.elements, i, sf)));
    }
    if (ts.isBinaryExpression(node) && LOGICAL.has(node.operatorToken.kind)) {
      const top = !(
        ts.isBinaryExpression(node.parent) &&
        node.parent.operatorToken.kind === node.operatorToken.kind &&
        node.parent.left === node
      );
      if (top) {
        const operands = chainOperands(node);
        operands.forEach((op, i) => add('OperandDeletion', node, op, removal(operands, i, sf)));
      }
    }
    if (
      (ts.isReturnStatement(node) || ts.isThrowStatement(node)) &&
      !soleIfBody(node) &&
      !(ts.isReturnStatement(node) && endsFunction(node))
    ) {
      add('RefusalDeletion', node, node, [node.getStart(sf), node.end], '{}');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  // the same statement mutated the same way twice (rare) gets one key each
  const seen = new Map();
  for (const m of found) {
    const n = seen.get(m.key) ?? 0;
    seen.set(m.key, n + 1);
    if (n) m.key = `${m.key}-${n}`;
  }
  return found;
}

/** A private copy of the worktree (its tracked and unignored files), node_modules linked. */
function sandbox(root) {
  const dir = mkdtempSync(join(tmpdir(), 'ollm-mutate-delete-'));
  const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const f of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(root, f))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(root, f), join(dir, f));
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The test runs under way, each the head of a process group: stopped when the run is interrupted. */
const running = new Set();
const stopGroup = (pid) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group has ended already
  }
};

/** Runs the module's tests in `dir` as Stryker's command runner does: 0 = passed, else failed; 'timeout' past `limit` ms. */
function runTests(dir, tests, limit) {
  const scratch = mkdtempSync(join(dir, '.tmp-'));
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.mutate.config.ts'],
      {
        cwd: dir,
        env: { ...process.env, OLLM_MUTATE_TESTS: tests.join(','), TMPDIR: scratch },
        stdio: 'ignore',
        detached: true, // its own process group, so a timeout kills the test workers too
      },
    );
    running.add(child.pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup(child.pid);
    }, limit);
    child.on('exit', (code) => {
      clearTimeout(timer);
      stopGroup(child.pid); // any worker left behind
      running.delete(child.pid);
      rmSync(scratch, { recursive: true, force: true });
      done({ status: timedOut ? 'Timeout' : code === 0 ? 'Survived' : 'Killed', ms: Date.now() - started });
    });
  });
}

const testsHash = (root, tests) =>
  createHash('sha256')
    .update(tests.map((t) => readFileSync(join(root, t), 'utf8')).join('\0'))
    .digest('hex');

/**
 * Runs the deletion mutants of module `m` ({ name, file, tests }) not already decided in
 * test/mutation/NAME.deletions.json and updates it after each. Returns the mutants with their
 * status (Killed, Timeout, Survived), or throws when the unmutated tests fail.
 */
export async function runDeletions(root, m, { full = false, concurrency = 2, log = () => {} } = {}) {
  const source = readFileSync(join(root, m.file), 'utf8');
  const mutants = deletionMutants(source, m.file);
  const file = join(root, `test/mutation/${m.name}.deletions.json`);
  const hash = testsHash(root, m.tests);
  const before = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { mutants: [] };
  const rerunSurvivors = full || before.testsSha256 !== hash;
  const known = new Map(before.mutants.map((x) => [x.key, x.status]));
  for (const x of mutants) {
    const status = full ? undefined : known.get(x.key);
    if (status === 'Killed' || status === 'Timeout' || (status === 'Survived' && !rerunSurvivors)) x.status = status;
  }
  const save = () => {
    const decided = mutants
      .filter((x) => x.status)
      .map(({ key, mutatorName, location, replacement, status }) => ({
        key,
        mutatorName,
        location,
        replacement,
        status,
      }));
    const complete = decided.length === mutants.length;
    // the tests' hash only once every mutant ran against these tests, else survivors would not run again
    writeFileSync(
      file,
      `${JSON.stringify({ testsSha256: complete ? hash : before.testsSha256, mutants: decided }, null, 1)}\n`,
    );
  };
  const todo = mutants.filter((x) => !x.status);
  if (todo.length === 0) {
    save();
    return mutants;
  }
  const dirs = [];
  const cleanup = () => {
    for (const pid of running) stopGroup(pid);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    cleanup();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // a private copy per concurrent run (the mutated file is written there, never in the worktree)
    for (let i = 0; i < Math.min(concurrency, todo.length); i++) dirs.push(sandbox(root));
    const first = await runTests(dirs[0], m.tests, 10 * 60_000);
    if (first.status !== 'Survived')
      throw new Error(`the tests of ${m.name} fail without any mutant (${first.status})`);
    const limit = Math.round(first.ms * 1.5 + 15_000); // Stryker's rule: timeoutFactor 1.5 + timeoutMS
    log(
      `${m.name}: ${todo.length} deletion mutants to run (${mutants.length - todo.length} known), ${(first.ms / 1000).toFixed(1)} s a run, time limit ${(limit / 1000).toFixed(0)} s`,
    );
    let next = 0;
    let ran = 0;
    const worker = async (dir) => {
      const target = join(dir, m.file);
      while (next < todo.length) {
        const x = todo[next++];
        writeFileSync(target, x.mutated);
        const r = await runTests(dir, m.tests, limit);
        writeFileSync(target, source);
        x.status = r.status;
        save();
        log(
          `  ${++ran}/${todo.length} ${x.mutatorName} ${x.location.start.line}:${x.location.start.column} ${r.status} (${(r.ms / 1000).toFixed(1)} s)`,
        );
      }
    };
    await Promise.all(dirs.map(worker));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
  }
  return mutants;
}
