/**
 * Input walk benchmark: how long `files: ["**\/*"]` takes ollm-mcp (the glob, then every
 * .gitignore's rules) against the glob library alone, on a 1,500-deep chain of
 * folders (a file in each, a few .gitignore files on the way) and on 100,000 files spread across
 * 1,000 folders (a .gitignore at the top and in a few folders). The trees are made in a temporary
 * folder and removed after. Goal: the walk within 10 times the glob alone on every tree — linear
 * as the glob is (the walk that climbed to the top from every file took over 1,000 times the glob
 * on the 1,500-deep chain). What remains above the glob is a look for a .gitignore in every folder
 * (each a walk of the whole path in the kernel) and matching rules against paths as long as the
 * tree is deep.
 * Paths on Linux stop at 4,096 bytes: a .gitignore deeper than a path can name cannot be read, and a
 * walk that cannot tell what git ignores is refused (gitignore-read.ts) — the 3,000-deep chain this
 * bench once walked is refused now, so it is left out.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { glob } from 'tinyglobby';
import { expandGlob } from '../src/orchestrator/inputs/glob.js';
import type { InputScope } from '../src/orchestrator/inputs/types.js';

/** The walk may take at most this many times the glob alone. */
export const WALK_GOAL = 10;

export interface BenchTree {
  name: string;
  root: string;
  /** Files made, .gitignore files included. */
  made: number;
}

/**
 * A chain of `depth` folders d/d/d…, made one level at a time from inside the last (so it may go
 * deeper than a path can name): in each a .txt and a .log file; the top's .gitignore ignores
 * *.log, and every 100th folder's brings back its own keep.log.
 */
export function makeChain(depth: number): BenchTree {
  const root = mkdtempSync(join(tmpdir(), `ollm-bench-chain${depth}-`));
  const back = process.cwd();
  let made = 1;
  writeFileSync(join(root, '.gitignore'), '*.log\n');
  try {
    process.chdir(root);
    for (let i = 0; i < depth; i++) {
      mkdirSync('d');
      process.chdir('d');
      writeFileSync(`f${i}.txt`, 'text\n');
      writeFileSync(`f${i}.log`, 'log\n');
      made += 2;
      if (i % 100 === 99) {
        writeFileSync('.gitignore', '!keep.log\n');
        writeFileSync('keep.log', 'kept\n');
        made += 2;
      }
    }
  } finally {
    process.chdir(back);
  }
  return { name: `${depth}-deep chain`, root, made };
}

/** `files` files across folders a/b (100 × 10, 100 files each at most); a few .gitignore files. */
export function makeWide(files: number): BenchTree {
  const root = mkdtempSync(join(tmpdir(), 'ollm-bench-wide-'));
  writeFileSync(join(root, '.gitignore'), '*.tmp\nbuild/\n');
  let made = 1;
  for (let a = 0; made < files; a++) {
    for (let b = 0; b < 10 && made < files; b++) {
      const dir = join(root, `a${a}`, b === 9 ? 'build' : `b${b}`);
      mkdirSync(dir, { recursive: true });
      if (a % 10 === 0 && b === 0) {
        writeFileSync(join(dir, '.gitignore'), '*.md\n!README.md\n');
        made++;
      }
      for (let f = 0; f < 100 && made < files; f++, made++)
        writeFileSync(join(dir, f % 10 === 0 ? `n${f}.tmp` : f % 10 === 1 ? `n${f}.md` : `n${f}.ts`), 'x\n');
    }
  }
  return { name: `${made.toLocaleString('en')}-file tree`, root, made };
}

/** Removes a tree however deep (rm -rf works below the path limit that Node's rm stops at). */
export function removeTree(root: string): void {
  spawnSync('rm', ['-rf', root], { stdio: 'ignore' });
}

/** The glob alone, with the options the walk uses. */
export async function globAlone(root: string): Promise<number> {
  const found = await glob('**/*', {
    cwd: root,
    absolute: true,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ['**/.git/**', '**/node_modules/**'],
  });
  return found.length;
}

export const benchScope = (root: string): InputScope => ({
  base: root,
  roots: [root],
  allow: [],
  maxFileBytes: 1e6,
  maxImageBytes: 1e6,
  maxTotalBytes: 1e9,
  maxFiles: 1_000_000,
});

/** ollm-mcp's walk: the glob, then the .gitignore rules. */
export async function walk(root: string): Promise<{ kept: number; ignored: number }> {
  const m = await expandGlob('**/*', benchScope(root));
  return { kept: m.files.length, ignored: m.ignored };
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function benchInputs(): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  for (const make of [() => makeChain(1500), () => makeWide(100_000)]) {
    const tree = make();
    try {
      const alone = await timed(() => globAlone(tree.root));
      const ours = await timed(() => walk(tree.root));
      const ratio = ours.ms / alone.ms;
      ok &&= ratio <= WALK_GOAL;
      lines.push(
        `inputs: ${tree.name} (${tree.made.toLocaleString('en')} files made, ` +
          `${alone.value.toLocaleString('en')} reachable): glob alone ${secs(alone.ms)}, ` +
          `ollm-mcp walk ${secs(ours.ms)} (${ours.value.kept.toLocaleString('en')} kept, ` +
          `${ours.value.ignored.toLocaleString('en')} ignored by .gitignore) = ${ratio.toFixed(2)}× ` +
          `the glob (goal ≤ ${WALK_GOAL}×)`,
      );
    } finally {
      removeTree(tree.root);
    }
  }
  return { ok, lines };
}
