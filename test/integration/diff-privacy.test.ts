/**
 * The git diff against real repositories: the project folder is its boundary, every path is
 * judged by the rules of `files` (both sides of a rename, quoted and non-ASCII names, whatever the
 * prefixes config asks for), a private key in an ordinary file stays out, only commit ranges are
 * accepted, and no command of the repository's config runs.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherInputs } from '../../src/orchestrator/inputs/gather.js';
import { ReadOrigins } from '../../src/orchestrator/inputs/origins.js';
import { InputError, type InputRequest, type InputScope } from '../../src/orchestrator/inputs/index.js';
import { inputScope } from '../../src/orchestrator/inputs/scope.js';
import { commandsRunUnguarded, makeDiffRepo, type DiffRepo } from '../helpers/diff-repos.js';

const LIMITS = {
  roots: [] as string[],
  allow: [] as string[],
  maxFileBytes: 2_000_000,
  maxImageBytes: 20_000_000,
  maxTotalBytes: 8_000_000,
  maxFiles: 500,
};
let home: DiffRepo;
let mono: DiffRepo;
let scope: InputScope;

beforeAll(async () => {
  home = makeDiffRepo('proj', { noPrefix: true });
  mono = makeDiffRepo('pkg');
  scope = await inputScope(LIMITS, home.project, []);
});

const text = (g: Awaited<ReturnType<typeof gatherInputs>>) => g.docs.map((d) => d.text).join('\n');
async function refusal(req: InputRequest, s: InputScope = scope): Promise<string> {
  const err = await gatherInputs(req, s, new ReadOrigins()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

describe('the diff of a project folder inside a larger repository', () => {
  it(
    "holds only the project folder's changes, with fixed a/ b/ prefixes, and lists every secret " + 'left out',
    async () => {
      for (const repo of [home, mono]) {
        const g = await gatherInputs({ diff: {} }, await inputScope(LIMITS, repo.project, []), new ReadOrigins());
        const sent = text(g);
        expect(sent).toContain('+export const v = 2; // PROJECT-MARK');
        expect(sent).toContain('diff --git a/app.ts b/app.ts');
        expect(sent).not.toMatch(repo.secrets);
        expect(sent).not.toMatch(/bashrc|other\//);
        expect(g.skipped).toEqual(
          expect.arrayContaining([
            { path: 'clé.pem', reason: expect.stringMatching(/left out of the diff: it looks like a private key/) },
            { path: 'données/.env', reason: expect.stringMatching(/an environment file/) },
            { path: 'tab\tdir/.env', reason: expect.stringMatching(/an environment file/) },
            { path: 'docs/notes.txt', reason: expect.stringMatching(/hold a private key/) },
          ]),
        );
        expect(g.skipped.map((s) => s.path)).not.toContain('.bashrc');
      }
    },
  );

  it('never climbs out of the project folder, whatever diff.paths names', async () => {
    for (const paths of [['..'], ['../other'], [home.top], [`${home.top}/.bashrc`]]) {
      const err = await gatherInputs({ diff: { paths } }, scope, new ReadOrigins()).then(text, (e: Error) => e.message);
      expect(err, paths[0]).not.toMatch(/DOTFILE-SECRET|OTHER-SECRET/);
    }
    expect(await refusal({ diff: { paths: ['../other'] } })).toMatch(/is empty/);
  });

  it('leaves out both sides of a staged rename of a secret', async () => {
    const g = await gatherInputs({ diff: { staged: true } }, scope, new ReadOrigins()).then(
      text,
      (e: Error) => e.message,
    );
    expect(g).not.toMatch(home.secrets);
    const err = await refusal({ diff: { staged: true } });
    expect(err).toMatch(/is empty once secrets are left out/);
  });

  it('sends a private key or secret name when inputs.allow allows it', async () => {
    const g = await gatherInputs(
      { diff: { paths: ['docs', 'clé.pem'] } },
      { ...scope, allow: ['docs/notes.txt', '*.pem'] },
      new ReadOrigins(),
    );
    expect(text(g)).toContain('KEY-IN-NOTES');
    expect(text(g)).toContain('+PEM-NAME-SECRET');
    expect(g.skipped).toEqual([]);
  });
});

describe('ranges', () => {
  it('accepts commits and commit ranges', async () => {
    const g = await gatherInputs({ diff: { range: 'HEAD' } }, scope, new ReadOrigins());
    expect(g.docs[0]!.label).toBe('git diff HEAD');
    expect(text(g)).toContain('PROJECT-MARK');
    expect(await refusal({ diff: { range: 'HEAD..HEAD' } })).toMatch(/is empty/);
  });

  it('refuses blob and tree expressions, options and what is not a commit, sending nothing', async () => {
    for (const range of [
      'HEAD:proj/config/.env..HEAD:proj/README.md',
      'HEAD:proj/config/id_rsa',
      ':/initial',
      '--output=/tmp/x',
      'HEAD^{tree}',
      'no-such-branch',
      'HEAD....HEAD',
    ]) {
      expect(await refusal({ diff: { range } }), range).toMatch(
        /not a revision or range|not a commit in this repository/,
      );
    }
  });
});

describe("commands of the repository's choosing", () => {
  it('runs neither core.fsmonitor nor a clean filter (both would run in a plain git diff)', async () => {
    expect(commandsRunUnguarded(mono)).toEqual({ fsmonitor: true, filter: true });
    await gatherInputs({ diff: {} }, scope, new ReadOrigins());
    await gatherInputs({ diff: { range: 'HEAD' } }, scope, new ReadOrigins());
    expect(existsSync(home.markers.fsmonitor)).toBe(false);
    expect(existsSync(home.markers.filter)).toBe(false);
  });
});
