/** .gitignore rules for a walk without a disk, as the unit tests of inputs/gitignore.ts build them. */
import { GitignoreRules, type RulesPace } from '../../src/orchestrator/inputs/gitignore.js';

export const TOP = '/repo';

/**
 * Rules from a table of folder → .gitignore text, counting how often each folder is read; `exclude`
 * is TOP's .git/info/exclude (any other top's: `never/`), none when undefined.
 */
export function rulesFrom(files: Record<string, string>, opts: { pace?: RulesPace; exclude?: string } = {}) {
  const reads = new Map<string, number>();
  const rules = new GitignoreRules(
    TOP,
    async (dir) => {
      reads.set(dir, (reads.get(dir) ?? 0) + 1);
      return files[dir];
    },
    opts.pace,
    async (top) =>
      opts.exclude === undefined
        ? []
        : [{ file: `the .git/info/exclude of ${top}`, text: top === TOP ? opts.exclude : 'never/' }],
  );
  return { rules, reads };
}

/** Which of `files` (relative to TOP) the rules ignore. */
export async function ignoredOf(rules: GitignoreRules, files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) if (await rules.ignored(`${TOP}/${f}`)) out.push(f);
  return out;
}
