/** Inputs read by reference, against a real project folder and git: what is read, and what is refused and why. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, type InputRequest, type InputScope } from '../../src/orchestrator/inputs/index.js';
import { gatherInputs } from '../../src/orchestrator/inputs/gather.js';
import { ReadOrigins } from '../../src/orchestrator/inputs/origins.js';
import { inputScope } from '../../src/orchestrator/inputs/scope.js';
import { makeProject, PNG_1X1, type ProjectFixture } from '../helpers/project-fixture.js';
import { tempDir } from '../helpers/temp.js';

const LIMITS = {
  roots: [] as string[],
  allow: [] as string[],
  maxFileBytes: 2_000_000,
  maxImageBytes: 20_000_000,
  maxTotalBytes: 8_000_000,
  maxFiles: 500,
};
let p: ProjectFixture;
let scope: InputScope;

beforeAll(async () => {
  p = makeProject({ fifo: true });
  scope = await inputScope(LIMITS, p.root, []);
});

const read = (req: InputRequest, s: InputScope = scope) => gatherInputs(req, s, new ReadOrigins());
async function refusal(req: InputRequest, s: InputScope = scope): Promise<string> {
  const err = await read(req, s).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

describe('files by path and by pattern', () => {
  it('reads a relative path and says what it read', async () => {
    const g = await read({ files: ['src/a.ts'] });
    expect(g.docs).toEqual([{ label: 'src/a.ts', text: readFileSync(join(p.root, 'src/a.ts'), 'utf8') }]);
    expect(g.read).toEqual([
      { path: 'src/a.ts', kind: 'text', bytes: g.docs[0]!.text.length, tokens: expect.any(Number), encoding: 'utf-8' },
    ]);
    expect(g.read[0]!.tokens).toBeGreaterThan(10);
    expect(g.tokens).toBe(g.read[0]!.tokens);
  });

  it('expands globs, honours .gitignore at every level, and never walks .git', async () => {
    const g = await read({ files: ['**/*.ts', 'docs/*.md'] });
    const paths = g.read.map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(['src/a.ts', 'src/b.ts', 'src/nested/c.ts', 'docs/guide.md']));
    expect(paths).not.toContain('build/out.ts'); // build/ in .gitignore
    expect(paths).not.toContain('docs/private.md'); // in docs/.gitignore
    expect(paths.some((x) => x.startsWith('.git/'))).toBe(false);
    expect(g.docs.map((d) => d.text).join()).not.toMatch(/BUILD-MARK|PRIVATE-DOC-MARK/);
    // the link staying inside is read once, under its real name
    expect(paths.filter((x) => x === 'src/a.ts')).toHaveLength(1);
  });

  it('lists the files a pattern matched but may not read, with the reason, and reads the rest', async () => {
    const g = await read({ files: ['*', 'keys/*', 'bin/*'] });
    const skipped = Object.fromEntries(g.skipped.map((s) => [s.path, s.reason]));
    expect(skipped['.env']).toMatch(/environment file/);
    expect(skipped['keys/id_rsa']).toMatch(/SSH private key/);
    expect(skipped['keys/server.pem']).toMatch(/private key/);
    expect(skipped['bin/data.bin']).toMatch(/binary file/);
    expect(g.read.map((r) => r.path)).not.toContain('link-out.txt'); // a pattern never follows links
    expect(g.read.map((r) => r.path)).toContain('package.json');
    expect(JSON.stringify(g.docs)).not.toMatch(/SECRET/);
  });

  it('refuses a secret named explicitly, naming it and saying how to allow it', async () => {
    expect(await refusal({ files: ['.env'] })).toMatch(
      /^\.env: refused: it looks like an environment file.*inputs\.allow/,
    );
    expect(await refusal({ files: ['.env.local'] })).toMatch(/environment file/);
    expect(await refusal({ files: ['keys/id_rsa'] })).toMatch(/SSH private key/);
    expect(await refusal({ files: ['.git/config'] })).toMatch(/git's internal files/);
    expect(await refusal({ files: ['notes/innocent.txt'] })).toMatch(/holds a private key/);
  });

  it('reads a secret that settings allow', async () => {
    const allowing = await inputScope({ ...LIMITS, allow: ['.env.local'] }, p.root, []);
    const g = await read({ files: ['.env.local'] }, allowing);
    expect(g.docs[0]!.text).toContain('ENV-SECRET-2');
  });

  it('refuses paths that climb out, absolute paths outside every root, and links that lead out', async () => {
    expect(await refusal({ files: ['../' + p.outside.split('/').pop() + '/secret.txt'] })).toMatch(
      /outside the folders ollm-mcp may read/,
    );
    expect(await refusal({ files: [p.outsideSecret] })).toMatch(/outside the folders/);
    expect(await refusal({ files: ['link-out.txt'] })).toMatch(
      /^link-out\.txt: outside the folders ollm-mcp may read \(it leads to .*secret\.txt\)/,
    );
    expect(await refusal({ files: ['../**/*.txt'] })).toMatch(/may not contain "\.\."/);
    expect(await refusal({ files: ['/etc/passwd'] })).toMatch(/outside the folders/);
  });

  it('reads an absolute path inside a root from settings or from the client', async () => {
    const viaSettings = await inputScope({ ...LIMITS, roots: [p.outside] }, p.root, []);
    expect((await read({ files: [p.outsideSecret] }, viaSettings)).docs[0]!.text).toContain('OUTSIDE-SECRET');
    const viaClient = await inputScope(LIMITS, p.root, [p.outside]);
    expect((await read({ files: [p.outsideSecret] }, viaClient)).read[0]!.path).toBe(p.outsideSecret);
  });

  it('refuses binary files by name and decodes text by its byte-order mark', async () => {
    expect(await refusal({ files: ['bin/data.bin'] })).toBe(
      'bin/data.bin: a binary file (not text and not an image), so it is not read.',
    );
    const g = await read({ files: ['text/utf16le.txt', 'text/utf16be.txt', 'text/bom8.txt'] });
    expect(g.docs.map((d) => d.text)).toEqual([
      'UTF16LE-MARK héllo wörld\n',
      'UTF16BE-MARK ½ done\n',
      'BOM8-MARK text\n',
    ]);
    expect(g.read.map((r) => r.encoding)).toEqual(['utf-16le', 'utf-16be', 'utf-8']);
  });

  it('refuses a FIFO at once instead of waiting on it, and a folder with what to do', async () => {
    expect(await refusal({ files: ['pipe.txt'] })).toMatch(/not a regular file/);
    expect(await refusal({ files: ['src'] })).toMatch(/is a folder — name its files, or a pattern such as src\/\*\*/);
    expect(await refusal({ files: ['nope.ts'] })).toMatch(/^nope\.ts: does not exist/);
  });

  it('holds the limits per file, per call and in files', async () => {
    const small = await inputScope({ ...LIMITS, maxFileBytes: 1024 }, p.root, []);
    const many = await inputScope({ ...LIMITS, maxFiles: 2 }, p.root, []);
    expect(await refusal({ files: ['src/**/*.ts'] }, many)).toMatch(/more than 2 files.*inputs\.maxFiles/);
    const total = await inputScope({ ...LIMITS, maxTotalBytes: 300 }, p.root, []);
    expect(
      await refusal(
        {
          files: [
            'src/a.ts',
            'src/b.ts',
            'src/nested/c.ts',
            'docs/guide.md',
            'package.json',
            'text/bom8.txt',
            'img/photo.png',
          ],
        },
        total,
      ),
    ).toMatch(/inputs\.maxTotalBytes/);
    expect((await read({ files: ['src/a.ts'] }, small)).read).toHaveLength(1);
    const tiny = await inputScope({ ...LIMITS, maxFileBytes: 1024, maxImageBytes: 1024 }, p.root, []);
    const bigFile = join(p.outside, 'big.log');
    writeFileSync(bigFile, 'x'.repeat(5000));
    const withBig = await inputScope({ ...tiny, roots: [p.outside] }, p.root, []);
    expect(await refusal({ files: [bigFile] }, withBig)).toMatch(
      /big\.log: 5(\.0)? KB, more than the 1(\.0)? KB allowed for a file \(inputs\.maxFileBytes\)/,
    );
  });
});

describe('a glob picomatch would match slowly (issue 55)', () => {
  it('is matched in linear time over names built to make it backtrack: the file that matches found, the rest not', async () => {
    const root = tempDir('ollm-glob-slow-');
    const name = 'a'.repeat(40);
    const dir = join(root, ...Array.from({ length: 90 }, () => name)); // a path of 3,690 characters
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), 'NEAR-MARK\n');
    writeFileSync(join(dir, `${name}b`), 'MATCH-MARK\n');
    const s = await inputScope(LIMITS, root, []);
    // tinyglobby, matching with picomatch, took 18 s over this tree; each * more multiplies it
    const g = await read({ files: ['*a*/**/*a*/**/*a*b'] }, s);
    expect(g.docs.map((d) => d.text)).toEqual(['MATCH-MARK\n']);
  });

  it('finds what picomatch finds, .gitignore honoured', async () => {
    const g = await read({ files: ['**/src/**/*.ts'] });
    expect(g.read.map((r) => r.path).sort()).toEqual(['src/a.ts', 'src/b.ts', 'src/nested/c.ts']);
    const fewer = await read({ files: ['**/*(n)e*(s)ted/**/*.ts'] });
    expect(fewer.read.map((r) => r.path)).toEqual(['src/nested/c.ts']);
  });

  it('a negated part RE2 cannot run is refused, naming the pattern and what to do', async () => {
    expect(await refusal({ files: ['src/**/!(a)/**/*.ts'] })).toBe(
      'src/**/!(a)/**/*.ts: uses a negated part ("!(…)" or a leading "!"), which ollm-mcp does ' +
        'not match: globs that picomatch would match slowly are matched in time linear in each path ' +
        '(by RE2), so that no pattern can stall the server — write the pattern without it, or name ' +
        'the files.',
    );
  });
});

describe('images', () => {
  it('reads an image by path as its bytes, and keeps base64 as it is', async () => {
    const g = await read({ images: ['img/photo.png', PNG_1X1.toString('base64')] });
    expect(g.images).toEqual([PNG_1X1.toString('base64'), PNG_1X1.toString('base64')]);
    expect(g.read).toEqual([
      { path: 'img/photo.png', kind: 'image', bytes: PNG_1X1.length, tokens: 0, encoding: 'png' },
    ]);
  });

  it('treats every other string as a path under the same rules: no file outside the roots is ever read', async () => {
    expect(await refusal({ images: [p.outsideSecret] })).toMatch(/outside the folders/);
    expect(await refusal({ images: ['/etc/hostname'] })).toMatch(/outside the folders|does not exist/);
    expect(await refusal({ images: ['keys/id_rsa'] })).toMatch(/SSH private key/);
    expect(await refusal({ images: ['src/a.ts'] })).toMatch(/^src\/a\.ts: not an image/);
  });

  it('an image matched by files goes to the model as an image', async () => {
    const g = await read({ files: ['img/*'] });
    expect(g.images).toHaveLength(1);
    expect(g.docs).toHaveLength(0);
  });
});

describe('the git diff', () => {
  it('reads the staged changes, the working tree, and a range — with git itself', async () => {
    const staged = await read({ diff: { staged: true } });
    expect(staged.docs[0]!.label).toBe('git diff --cached (staged changes)');
    expect(staged.docs[0]!.text).toContain('+  return a + b + 0; // STAGED-MARK');
    expect(staged.docs[0]!.text).not.toContain('UNSTAGED-MARK');
    const work = await read({ diff: {} });
    expect(work.docs[0]!.text).toContain('UNSTAGED-MARK');
    expect(work.docs[0]!.text).not.toContain('a + b + 0');
    const range = await read({ diff: { range: 'HEAD' } });
    expect(range.docs[0]!.text).toMatch(/STAGED-MARK[\s\S]*UNSTAGED-MARK/);
    expect(staged.read[0]).toMatchObject({ kind: 'diff', encoding: 'utf-8' });
  });

  it("leaves a secret file's changes out of the diff and lists it", async () => {
    const work = await read({ diff: {} });
    expect(work.docs[0]!.text).not.toContain('ENV-SECRET');
    expect(work.skipped).toEqual([
      { path: '.env', reason: expect.stringMatching(/left out of the diff: it looks like an environment file/) },
    ]);
  });

  it('refuses a range that is not one, an empty diff, and a folder without git', async () => {
    expect(await refusal({ diff: { range: '--output=/tmp/x' } })).toMatch(/is not a revision or range/);
    expect(await refusal({ diff: { range: 'HEAD', paths: ['docs'] } })).toMatch(/is empty/);
    const plain = await inputScope(LIMITS, tempDir('ollm-nogit-'), []);
    expect(await refusal({ diff: {} }, plain)).toMatch(/not a git repository/);
  });
});
