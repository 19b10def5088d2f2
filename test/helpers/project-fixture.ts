/**
 * A project folder for the tests of inputs read by reference: sources, a .gitignore (and a nested
 * one), secrets, a binary file, UTF-16 and BOM text, a PNG, a link leading out and one staying in,
 * a FIFO, and a git repository with a staged change and an unstaged one. Outside it, a folder
 * with a file no call may read. Both are removed when the test file ends (temp.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './temp.js';

/** A real 1×1 PNG. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

export interface ProjectFixture {
  root: string;
  outside: string;
  /** A file outside every root: its text must never reach a model. */
  outsideSecret: string;
  files: Record<string, string>;
}

function put(root: string, rel: string, data: string | Buffer): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
}

function git(root: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args],
    { cwd: root, stdio: 'ignore' },
  );
}

export function makeProject(options: { fifo?: boolean } = {}): ProjectFixture {
  const root = tempDir('ollm-project-');
  const outside = tempDir('ollm-outside-');
  const outsideSecret = join(outside, 'secret.txt');
  writeFileSync(outsideSecret, 'OUTSIDE-SECRET-7f3a the text of a file outside every root\n');
  const files: Record<string, string> = {
    'package.json': '{ "name": "fixture", "version": "1.0.0" }\n',
    'src/a.ts': 'export function add(a: number, b: number): number {\n  return a + b; // ALPHA-MARK\n}\n',
    'src/b.ts': 'export const greeting = "BETA-MARK hello";\n',
    'src/nested/c.ts': 'export class Counter { n = 0; inc() { this.n++; } } // GAMMA-MARK\n',
    'docs/guide.md': '# Guide\n\nDOCS-MARK how to use it.\n',
    'docs/private.md': 'PRIVATE-DOC-MARK ignored by docs/.gitignore\n',
    'docs/.gitignore': 'private.md\n',
    '.gitignore': 'build/\n*.tmp\n',
    'build/out.ts': 'BUILD-MARK generated\n',
    'src/scratch.tmp': 'TMP-MARK\n',
    '.env': 'API_KEY=ENV-SECRET-1\n',
    '.env.local': 'API_KEY=ENV-SECRET-2\n',
    'keys/id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----\nKEY-SECRET-3\n-----END OPENSSH PRIVATE KEY-----\n',
    'keys/server.pem': 'PEM-SECRET-4\n',
    'notes/innocent.txt': 'hello\n-----BEGIN RSA PRIVATE KEY-----\nKEY-SECRET-5\n-----END RSA PRIVATE KEY-----\n',
  };
  for (const [rel, text] of Object.entries(files)) put(root, rel, text);
  put(root, 'bin/data.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x42, 0x49, 0x4e]));
  put(
    root,
    'text/utf16le.txt',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('UTF16LE-MARK héllo wörld\n', 'utf16le')]),
  );
  const be = Buffer.from('UTF16BE-MARK ½ done\n', 'utf16le');
  for (let i = 0; i + 1 < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
  put(root, 'text/utf16be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
  put(root, 'text/bom8.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('BOM8-MARK text\n')]));
  put(root, 'img/photo.png', PNG_1X1);
  symlinkSync(outsideSecret, join(root, 'link-out.txt'));
  symlinkSync(join(root, 'src/a.ts'), join(root, 'link-in.ts'));
  if (options.fifo) execFileSync('mkfifo', [join(root, 'pipe.txt')]);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial');
  // a staged change, and an unstaged one
  writeFileSync(
    join(root, 'src/a.ts'),
    files['src/a.ts']!.replace('return a + b;', 'return a + b + 0; // STAGED-MARK'),
  );
  git(root, 'add', 'src/a.ts');
  writeFileSync(join(root, 'src/b.ts'), 'export const greeting = "BETA-MARK hello, UNSTAGED-MARK";\n');
  writeFileSync(join(root, '.env'), 'API_KEY=ENV-SECRET-CHANGED\n');
  return { root, outside, outsideSecret, files };
}
