/**
 * Which files a walk leaves out because git ignores them, with git's semantics and in time linear
 * in the walk: each folder's .gitignore is read and compiled once, and a folder inherits its
 * parent's rules (a chain, deepest first) instead of every file climbing to the top. A rule
 * applies to the path relative to the folder holding its .gitignore; a deeper .gitignore
 * overrides a shallower one (a negation there brings a file back), every .gitignore overrides
 * the repository's .git/info/exclude, and that the user's excludes file (core.excludesFile, by
 * default ~/.config/git/ignore): the last two links of the chain, both relative to the top. An
 * ignored folder's whole subtree is ignored and its own .gitignore is never read, as git never
 * walks into it. Rules are read a slice of lines at a time and matched in time bounded by pattern ×
 * path (a plain name or `*.ext` looked up: gitignore-match.ts), so no repository can stall the
 * server with them.
 */
import { dirname, join, sep } from 'node:path';
import { RulesTexts } from './gitignore-ahead.js';
import { GitignoreFile } from './gitignore-match.js';
import { Pacer, RULES_PACE, RulesTooCostly, type RulesPace } from './gitignore-pace.js';
import { RuleTooLong } from './gitignore-parse.js';
import { FOLD_CASE_DEFAULT } from './gitignore-pattern.js';
import { readGitignore, readTopRules, type RulesReader, type TopRules } from './gitignore-read.js';

export { RULES_PACE, RulesTooCostly, type RulesPace } from './gitignore-pace.js';
export { RULES_TEXT } from './gitignore-ahead.js';
export { GITIGNORE_MAX_BYTES, RulesUnreadable, type RulesReader, type TopRules } from './gitignore-read.js';

/**
 * The most costly rules in force in one folder (its .gitignore, those above it and the files read
 * from the top; a plain name or `*.ext` is looked up and not counted): one path is matched against each in a
 * single step of the walk, which cannot give the thread back inside it. A costly rule takes some
 * microseconds over a deep path, so this keeps a step to tens of ms; repositories hold a few.
 */
export const MAX_RULES_IN_FORCE = 5000;

/**
 * Reads the rules of the lowest precedence from the repository's top, lowest first: the user's excludes file,
 * then info/exclude (gitignore-read.ts readTopRules).
 */
export type ExcludeReader = (top: string) => Promise<readonly TopRules[]>;

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

/** The rules under `top` (the repository's top, where rules stop), for one walk. */
export class GitignoreRules {
  private readonly folders = new Map<string, FolderState>();
  /** The .gitignore texts, read ahead or when needed, within the walk's bounds. */
  private readonly texts: RulesTexts;
  /** The read of the files of rules at the top, once started; and the state they give the top's parent, once read. */
  private topRules: Promise<readonly TopRules[]> | undefined;
  private base: FolderState | undefined;
  /** How many .gitignore files were read and compiled: one per folder at most. */
  compiled = 0;
  /** How many rule sets were asked about a path: what one file costs, in all. */
  tests = 0;
  private readonly pacer: Pacer;
  private readonly topPrefix: string;

  constructor(
    private readonly top: string,
    read: RulesReader = readGitignore,
    pace: RulesPace = RULES_PACE,
    private readonly readExclude: ExcludeReader = readTopRules,
  ) {
    this.topPrefix = top.endsWith(sep) ? top : top + sep;
    this.pacer = new Pacer(top, pace);
    this.texts = new RulesTexts(top, read);
  }

  /**
   * Starts reading the .gitignore of every folder that holds one of `files`, and of the folders
   * above up to the top, a few at a time, top down as the walk asks (gitignore-ahead.ts); and
   * the files of rules read from the top.
   */
  prefetch(files: readonly string[], concurrency = 16): void {
    void this.startExclude(); // its rejection is caught where it is kept, and thrown where the walk needs it
    const dirs: string[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      for (let d = dirname(file); !seen.has(d);) {
        seen.add(d);
        dirs.push(d);
        const up = dirname(d);
        if (!this.below(d) || up === d) break;
        d = up;
      }
    }
    this.texts.prefetch(dirs.reverse(), concurrency);
  }

  private startExclude(): Promise<readonly TopRules[]> {
    if (!this.topRules) {
      this.topRules = this.readExclude(this.top);
      this.topRules.catch(() => undefined); // thrown where the walk needs it
    }
    return this.topRules;
  }

  /**
   * Whether `dir` lies below the top (not the top itself): a cut of the path, not a path computation, since
   * it is asked per folder.
   */
  private below(dir: string): boolean {
    return dir.length > this.topPrefix.length && dir.startsWith(this.topPrefix);
  }

  /** Whether `file` (an absolute path under the top, found without following links) is ignored. */
  async ignored(file: string): Promise<boolean> {
    const folder = await this.folder(dirname(file));
    await this.pacer.breathe();
    return folder.ignored || this.decide(folder.levels, file, false);
  }

  /**
   * What the top's parent hands down: the rules of the files read from the top alone, read once,
   * each file a level of its own (info/exclude's nearer than the user's file, so it decides first).
   */
  private async baseState(): Promise<FolderState> {
    if (!this.base) {
      let levels: RuleLevel | undefined;
      const files: string[] = [];
      for (const { file, text } of await this.startExclude()) {
        this.texts.count(text);
        files.push(file);
        const holding = files.length === 1 ? `${file} holds` : `${files.join(' and ')} hold`;
        levels = await this.level(this.top, text, levels, file, holding);
      }
      this.base ??= { ignored: false, levels };
    }
    return this.base;
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
    let state: FolderState = above ?? (await this.baseState());
    for (let i = todo.length - 1; i >= 0; i--) {
      const here = todo[i]!;
      await this.pacer.breathe();
      state = await this.enter(here, state);
      this.folders.set(here, state);
    }
    return state;
  }

  /** A folder's state from its parent's: ignored as a whole, or the parent's rules plus its own .gitignore. */
  private async enter(dir: string, parent: FolderState): Promise<FolderState> {
    if (parent.ignored) return parent;
    if (this.decide(parent.levels, dir, true)) return { ignored: true, levels: parent.levels };
    const text = await this.texts.take(dir);
    if (text === undefined) return parent;
    this.compiled++;
    return {
      ignored: false,
      levels: await this.level(
        dir,
        text,
        parent.levels,
        join(dir, '.gitignore'),
        `the .gitignore files down to ${dir} hold`,
      ),
    };
  }

  /**
   * The rules of `file`, read a slice of lines at a time, on top of those in force above; refused
   * past MAX_RULES_IN_FORCE costly ones (`holding` them says which files), or for a line too long.
   */
  private async level(
    dir: string,
    text: string,
    up: RuleLevel | undefined,
    file: string,
    holding: string,
  ): Promise<RuleLevel> {
    const rules = await GitignoreFile.read(text, FOLD_CASE_DEFAULT, this.pacer).catch((err: unknown) => {
      throw err instanceof RuleTooLong ? new RulesTooCostly(`${file} ${err.message}`) : err;
    });
    const inForce = rules.costly + (up?.inForce ?? 0);
    if (inForce > MAX_RULES_IN_FORCE)
      throw new RulesTooCostly(
        `${holding} ${inForce} rules with wildcards, more than the ${MAX_RULES_IN_FORCE} a walk matches`,
      );
    return { prefix: dir.endsWith(sep) ? dir : dir + sep, rules, up, inForce };
  }

  /** Git's answer for `path`: the deepest file of rules with a rule that matches it decides. */
  private decide(levels: RuleLevel | undefined, path: string, isDir: boolean): boolean {
    return this.pacer.timed(() => this.decideNow(levels, path, isDir));
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
