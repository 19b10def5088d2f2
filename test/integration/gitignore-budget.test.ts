/**
 * A walk whose .gitignore rules cost more than the walk's budget is refused, naming the pattern and
 * what to do (issue 61: a repository's rules must not hold the shared server however many there
 * are); within the budget the same walk answers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RULES_PACE } from '../../src/orchestrator/inputs/gitignore.js';
import { expandGlob } from '../../src/orchestrator/inputs/glob.js';
import { inputScope } from '../../src/orchestrator/inputs/scope.js';
import { InputError, type InputScope } from '../../src/orchestrator/inputs/types.js';
import { tempDir } from '../helpers/temp.js';

const LIMITS = {
  roots: [] as string[],
  allow: [] as string[],
  maxFileBytes: 2_000_000,
  maxImageBytes: 20_000_000,
  maxTotalBytes: 8_000_000,
  maxFiles: 500,
};
const budget = RULES_PACE.budgetMs;
let scope: InputScope;

beforeAll(async () => {
  const root = tempDir('ollm-gitignore-budget-');
  mkdirSync(join(root, '.git'));
  writeFileSync(
    join(root, '.gitignore'),
    `${Array.from({ length: 50 }, (_, i) => `a/**/a/**/?${i}x*`).join('\n')}\n*.log\n`,
  );
  let dir = root;
  for (let i = 0; i < 20; i++) {
    dir = join(dir, 'a');
    mkdirSync(dir);
    writeFileSync(join(dir, `f${i}.txt`), 'f\n');
    writeFileSync(join(dir, `f${i}.log`), 'l\n');
  }
  scope = await inputScope(LIMITS, root, []);
});
afterEach(() => {
  RULES_PACE.budgetMs = budget;
});

describe('the .gitignore rules of a walk past its budget', () => {
  it('refuse the pattern, saying what to do; within it the walk answers', async () => {
    RULES_PACE.budgetMs = 0;
    const err = await expandGlob('**/*', scope).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /^\*\*\/\*: the \.gitignore rules under .+ took more than 0 s to read and match against these paths \(\d+ of 41 files decided\) — name the files instead, or narrow the pattern to fewer folders\.$/,
    );
    RULES_PACE.budgetMs = budget;
    const match = await expandGlob('**/*', scope);
    expect(match.files.filter((f) => f.endsWith('.txt'))).toHaveLength(20); // and the .gitignore itself
    expect(match.ignored).toBe(20);
  });
});
