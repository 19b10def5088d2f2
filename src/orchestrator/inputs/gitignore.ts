/**
 * Which files a walk leaves out because a .gitignore says so, with git's semantics and in time
 * linear in the walk: each folder's .gitignore is read and compiled once, and a folder inherits
 * its parent's rules (a chain, deepest first) instead of every file climbing to the top. A rule
 * applies to the path relative to the folder holding its .gitignore; a deeper .gitignore
 * overrides a shallower one (a negation there brings a file back); an ignored folder's whole
 * subtree is ignored and its own .gitignore is never read, as git never walks into it. Rules are
 * matched in time bounded by pattern × path (gitignore-match.ts), so no repository can stall the
 * server with them.
 */
import { dirname, join, sep } from 'node:path';
import { GitignoreFile } from './gitignore-match.js';
import { openRegular, readAll, READ_TIMEOUT_MS, withTimeLimit } from '../util/safe-read.js';

/** A .gitignore larger than this is not read as rules. */
export const GITIGNORE_MAX_BYTES = 1024 * 1024;

/**
 * How the walk shares the server's one thread while it matches rules: each rule is bounded by
 * pattern × path, but a repository may hold thousands of costly rules over thousands of deep
 * paths. After `sliceMs` of matching it lets other calls in; past `budgetMs` of matching in all
 * it stops with RulesTooCostly (a legitimate tree takes a small part of it: npm run bench -- inputs).
 */
export interface RulesPace {
  sliceMs: number;
  budgetMs: number;
}
export const RULES_PACE: RulesPace = { sliceMs: 20, budgetMs: 15_000 };

/**
 * The most costly rules in force in one folder (its .gitignore and those above it; a plain name or
 * `*.ext` is decided at once and not counted): one path is matched against each in a single step of
 * the walk, which cannot give the thread back inside it. A costly rule takes some microseconds over
 * a deep path, so this keeps a step to tens of ms; repositories hold a few.
 */
export const MAX_RULES_IN_FORCE = 5000;

/** The rules took longer than the walk's budget to match, or are too many to match a path in one step. */
export class RulesTooCostly extends Error {}

/** One folder's compiled rules, and the rules of the folders above it. */
interface RuleLevel {
  /** The folder holding the .gitignore, with a trailing separator: paths are cut after it. */
  prefix: string;
  rules: GitignoreFile;
  up: RuleLevel | undefined;
  /** Its costly rules and those of the levels above. */
  inForce: number;
}

interface FolderState {
  /** The folder itself is ignored (or lies in an ignored folder): so is everything in it. */
  ignored: boolean;
  /** The rules in force in the folder, deepest first. */
  levels: RuleLevel | undefined;
}

/** Reads one folder's .gitignore: the text, or undefined when there is none or it is no regular file. */
export type RulesReader = (dir: string) => Promise<string | undefined>;

/**
 * A regular file named .gitignore in `dir`, bounded in size and time. Opened without following a
 * link in its last name and without resolving the folder again (the walk found it without
 * following links): a link or a FIFO in its place is no rule file.
 */
export async function readGitignore(dir: string): Promise<string | undefined> {
  const path = join(dir, '.gitignore');
  try {
    return await withTimeLimit(path, READ_TIMEOUT_MS, async () => {
      const { handle, stat } = await openRegular(path, { noFollow: true });
      try {
        return (await readAll(handle, path, GITIGNORE_MAX_BYTES, stat.size)).toString('utf8');
      } finally {
        await handle.close().catch(() => undefined);
      }
    });
  } catch {
    return undefined;
  }
}

/** The .gitignore rules under `top` (the repository's top, where rules stop), for one walk. */
export class GitignoreRules {
  private readonly folders = new Map<string, FolderState>();
  /** Reads started ahead (prefetch), by folder. */
  private readonly texts = new Map<string, Promise<string | undefined>>();
  /** How many .gitignore files were read and compiled: one per folder at most. */
  compiled = 0;
  /** How many rule sets were asked about a path: what one file costs, in all. */
  tests = 0;

  /** Time spent matching, ms; and when the thread was last given back. */
  private spent = 0;
  private sliceStart = performance.now();

  constructor(
    private readonly top: string,
    private readonly read: RulesReader = readGitignore,
    private readonly pace: RulesPace = RULES_PACE,
  ) {
    this.topPrefix = top.endsWith(sep) ? top : top + sep;
  }

  /** Gives the thread back once a slice of matching is used up; throws RulesTooCostly past the budget. */
  private async breathe(): Promise<void> {
    if (this.spent > this.pace.budgetMs) {
      throw new RulesTooCostly(`the .gitignore rules under ${this.top} took more than ${Math.round(this.pace.budgetMs / 1000)} s to match against these paths`);
    }
    if (performance.now() - this.sliceStart < this.pace.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }

  private readonly topPrefix: string;

  /**
   * Starts reading the .gitignore of every folder that holds one of `files`, and of the folders
   * above up to the top, a few at a time: a read costs a walk of its whole path in the kernel,
   * so at depth it is what the walk waits on, and reads side by side overlap those waits. A
   * .gitignore in an ignored folder may be read this way; its rules are never used.
   */
  prefetch(files: readonly string[], concurrency = 16): void {
    const dirs: string[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      for (let d = dirname(file); !seen.has(d); ) {
        seen.add(d);
        dirs.push(d);
        const up = dirname(d);
        if (!this.below(d) || up === d) break;
        d = up;
      }
    }
    // top down, as the walk asks; each read starts when the one `concurrency` places before it is done
    dirs.reverse();
    const started: Promise<unknown>[] = [];
    dirs.forEach((dir, i) => {
      const before = started[i - concurrency];
      const text = before ? before.then(() => this.read(dir)) : this.read(dir);
      started.push(text);
      this.texts.set(dir, text);
    });
  }

  /** Whether `dir` lies below the top (not the top itself): a cut of the path, not a path computation, since it is asked per folder. */
  private below(dir: string): boolean {
    return dir.length > this.topPrefix.length && dir.startsWith(this.topPrefix);
  }

  /** Whether `file` (an absolute path under the top, found without following links) is ignored. */
  async ignored(file: string): Promise<boolean> {
    const folder = await this.folder(dirname(file));
    await this.breathe();
    return folder.ignored || this.decide(folder.levels, file, false);
  }

  /** The state of `dir`: computed once, from its parent's, top down without recursion. */
  private async folder(dir: string): Promise<FolderState> {
    const known = this.folders.get(dir);
    if (known) return known;
    // the folders from `dir` up to the first one known (or the top), then each one's state top down
    const todo: string[] = [];
    let d = dir;
    let above: FolderState | undefined;
    for (;;) {
      above = this.folders.get(d);
      if (above) break;
      todo.push(d);
      const up = dirname(d);
      if (!this.below(d) || up === d) break;
      d = up;
    }
    let state: FolderState = above ?? { ignored: false, levels: undefined };
    for (let i = todo.length - 1; i >= 0; i--) {
      const here = todo[i]!;
      await this.breathe();
      state = await this.enter(here, state);
      this.folders.set(here, state);
    }
    return state;
  }

  /** A folder's state from its parent's: ignored as a whole, or the parent's rules plus its own .gitignore. */
  private async enter(dir: string, parent: FolderState): Promise<FolderState> {
    if (parent.ignored) return parent;
    if (this.decide(parent.levels, dir, true)) return { ignored: true, levels: parent.levels };
    const text = await (this.texts.get(dir) ?? this.read(dir));
    this.texts.delete(dir);
    if (text === undefined) return parent;
    this.compiled++;
    const rules = new GitignoreFile(text);
    const inForce = rules.costly + (parent.levels?.inForce ?? 0);
    if (inForce > MAX_RULES_IN_FORCE) throw new RulesTooCostly(`the .gitignore files down to ${dir} hold ${inForce} rules with wildcards, more than the ${MAX_RULES_IN_FORCE} a walk matches`);
    return { ignored: false, levels: { prefix: dir.endsWith(sep) ? dir : dir + sep, rules, up: parent.levels, inForce } };
  }

  /** Git's answer for `path`: the deepest .gitignore with a rule that matches it decides. */
  private decide(levels: RuleLevel | undefined, path: string, isDir: boolean): boolean {
    const started = performance.now();
    try {
      return this.decideNow(levels, path, isDir);
    } finally {
      this.spent += performance.now() - started;
    }
  }

  private decideNow(levels: RuleLevel | undefined, path: string, isDir: boolean): boolean {
    for (let level = levels; level; level = level.up) {
      if (!path.startsWith(level.prefix)) continue;
      let rel = path.slice(level.prefix.length);
      if (sep !== '/') rel = rel.split(sep).join('/');
      if (rel === '') continue;
      this.tests++;
      const r = level.rules.test(rel, isDir);
      if (r !== undefined) return r === 'ignored';
    }
    return false;
  }
}
