/**
 * The README and docs/ stay true: every relative link reaches a file (and a heading, for `#anchor`
 * links, by GitHub's slug rules), every `ollm-mcp …` command shown parses with the CLI's own
 * parser (so a misspelt command, sub-command or option fails here), and the README stays a front
 * door of at most 400 lines. Pure file reads; no build.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/server/args.js';

const ROOT = resolve(import.meta.dirname, '../..');
const README_MAX_LINES = 400;

/** The Markdown pages checked: README.md and every .md file under docs/. */
function pages(): string[] {
  const docs = join(ROOT, 'docs');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return [join(ROOT, 'README.md'), ...(existsSync(docs) ? walk(docs) : [])];
}

interface Line {
  text: string;
  /** Inside a fenced code block. */
  code: boolean;
}

function linesOf(markdown: string): Line[] {
  let fenced = false;
  return markdown.split('\n').map((text) => {
    if (/^\s*(```|~~~)/.test(text)) {
      fenced = !fenced;
      return { text, code: true };
    }
    return { text, code: fenced };
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function slugsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const { text, code } of linesOf(markdown)) {
    const heading = code ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const plain = heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.add(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

/** Prose with inline code spans removed (a link written inside backticks is not a link). */
const withoutCodeSpans = (text: string) => text.replace(/`[^`]*`/g, '');

/** The link targets of a page, outside code: `[text](target)` and `![alt](target)`. */
export function linksOf(markdown: string): string[] {
  return linesOf(markdown)
    .filter((l) => !l.code)
    .flatMap((l) =>
      [...withoutCodeSpans(l.text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!),
    );
}

/** Each relative link of `file` that does not reach an existing file or heading, with why. */
export function brokenLinks(file: string, markdown: string, read: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const target of linksOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: — not a file here
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    const text = read(resolved);
    if (text === undefined) {
      broken.push(`${target}: no file ${relative(ROOT, resolved)}`);
      continue;
    }
    if (anchor !== undefined && !slugsOf(text).has(anchor))
      broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, resolved)}`);
  }
  return broken;
}

/**
 * The `ollm-mcp …` commands shown in code (fenced blocks and inline spans), as argument lists: the
 * command begins a line or span, or follows `npx` (with its own flags); a `#` comment, a
 * redirection or a pipe ends it. `npx ollm-mcp …` (an ellipsis for "any command") is not one.
 */
export function commandsOf(markdown: string): string[][] {
  const pieces: string[] = [];
  for (const l of linesOf(markdown)) {
    if (l.code) pieces.push(l.text);
    else pieces.push(...[...l.text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
  }
  const commands: string[][] = [];
  for (const piece of pieces) {
    const m = /(?:^\s*|\bnpx(?:\s+(?:-y|--yes|--offline))*\s+)ollm-mcp(?=\s|$)(.*)$/.exec(piece);
    if (!m) continue;
    const args = words(m[1]!);
    if (args[0] === '…') continue;
    commands.push(args);
  }
  return commands;
}

/** Shell words up to a comment, redirection, pipe or command separator; quotes grouped. */
function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const bare = m[3];
    if (bare !== undefined && (bare.startsWith('#') || /^(>|>>|<|\||;|&&|\|\|)/.test(bare))) break;
    out.push(m[1] ?? m[2] ?? bare!);
  }
  return out;
}

/** Why the CLI refuses these arguments, or undefined when it accepts them. */
function refusal(args: string[]): string | undefined {
  try {
    parseCli(args);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const readOrUndefined = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

describe('the checks themselves', () => {
  const here = join(ROOT, 'docs', 'page.md');
  const files: Record<string, string> = {
    [here]: '# Page\n\n## How "fits" is decided\n\n## Step `one`\n\n## Step one\n',
    [join(ROOT, 'docs', 'other.md')]: '# Other\n',
  };
  const read = (p: string) => files[p];

  it('slugs headings as GitHub does, numbering repeats', () => {
    expect([...slugsOf(files[here]!)]).toEqual(['page', 'how-fits-is-decided', 'step-one', 'step-one-1']);
    expect([...slugsOf("### llama.cpp's llama-server (router mode), managed like Ollama\n")]).toEqual([
      'llamacpps-llama-server-router-mode-managed-like-ollama',
    ]);
  });

  it('finds a link to a missing file or heading, and passes good ones', () => {
    const text =
      '[a](other.md) [b](#how-fits-is-decided) [c](other.md#other) [d](https://example.com/x.md) ' +
      '`[e](gone.md)`\n[f](gone.md) [g](other.md#nope) [h](#step-one-2)\n';
    expect(brokenLinks(here, text, read)).toEqual([
      'gone.md: no file docs/gone.md',
      'other.md#nope: no heading #nope in docs/other.md',
      '#step-one-2: no heading #step-one-2 in docs/page.md',
    ]);
  });

  it('ignores links inside fenced code', () => {
    expect(linksOf('```md\n[x](gone.md)\n```\n[y](here.md)\n')).toEqual(['here.md']);
  });

  it('reads commands from code, not prose, up to a comment or redirection', () => {
    const text = [
      'ollm-mcp is a server; `npx ollm-mcp …` runs any command; run `npx ollm-mcp doctor --json`.',
      '```sh',
      'npx ollm-mcp memory add "test runner" "vitest, never jest" --category preference',
      'npx ollm-mcp memory export > memory.json     # a comment',
      'OLLM_HTTP_TOKEN=x npx -y ollm-mcp --transport http',
      'ollm-mcp: Invalid setting ram.safetyMargin = 1.5',
      'git clone repo ollm-mcp && cd ollm-mcp',
      '```',
    ].join('\n');
    expect(commandsOf(text)).toEqual([
      ['doctor', '--json'],
      ['memory', 'add', 'test runner', 'vitest, never jest', '--category', 'preference'],
      ['memory', 'export'],
      ['--transport', 'http'],
    ]);
  });

  it('the CLI refuses a misspelt command, sub-command or option', () => {
    expect(refusal(['doctr'])).toMatch(/Unknown command "doctr"/);
    expect(refusal(['memory', 'lst'])).toMatch(/Unknown action "memory lst"/);
    expect(refusal(['--transprot', 'http'])).toMatch(/Unknown option/);
    expect(refusal(['memory', 'list'])).toBeUndefined();
  });
});

describe('README.md and docs/', () => {
  const all = pages();

  it('include the docs pages the README links to', () => {
    expect(all.map((p) => relative(ROOT, p))).toEqual(
      expect.arrayContaining(['README.md', 'docs/README.md', 'docs/architecture.md', 'docs/settings.md']),
    );
  });

  it('have no broken relative link or anchor', () => {
    const broken = all.flatMap((p) =>
      brokenLinks(p, readFileSync(p, 'utf8'), readOrUndefined).map((b) => `${relative(ROOT, p)}: ${b}`),
    );
    expect(broken).toEqual([]);
  });

  it('show only ollm-mcp commands the CLI accepts', () => {
    const shown = all.flatMap((p) =>
      commandsOf(readFileSync(p, 'utf8')).map((args) => ({ page: relative(ROOT, p), args })),
    );
    expect(shown.length).toBeGreaterThan(10);
    const refused = shown.flatMap(({ page, args }) => {
      const why = refusal(args);
      return why === undefined ? [] : [`${page}: ollm-mcp ${args.join(' ')} — ${why}`];
    });
    expect(refused).toEqual([]);
  });

  it(`keep the README to at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
