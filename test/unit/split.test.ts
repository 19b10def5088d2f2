import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import { partOverhead, renderPart, splitInputs, type Part } from '../../src/orchestrator/inputs/split.js';
import type { InputDoc } from '../../src/orchestrator/generation/input-doc.js';
import { lineStarts, nextLineStart } from '../../src/orchestrator/inputs/split-sections.js';
import { random } from '../helpers/random.js';

const count = estimateTokens;

/** Checks every promise splitInputs makes, and returns the parts. */
/** Line breaks as editors take them: CRLF, LF, or CR alone. */
const breaks = (text: string) => text.match(/\r\n?|\n/g)?.length ?? 0;

function checked(docs: InputDoc[], budget: number): Part[] {
  const parts = splitInputs(docs, budget, count);
  for (const part of parts) {
    expect(part.pieces.length).toBeGreaterThan(0);
    expect(part.tokens).toBe(count(renderPart(part)));
    expect(part.tokens).toBeLessThanOrEqual(budget);
  }
  const flat = parts.flatMap((part, p) => part.pieces.map((piece) => ({ piece, p })));
  let next = 0;
  for (const doc of docs) {
    // This doc's pieces come next, in order, one per part in consecutive parts.
    const mine: typeof flat = [];
    let text = '';
    let line = 1;
    do {
      const item = flat[next++];
      if (!item) throw new Error(`${doc.label}: pieces missing`);
      expect(item.piece.label).toBe(doc.label);
      expect(item.piece.lines).toEqual([line, line + breaks(item.piece.text.replace(/(?:\r\n?|\n)$/, ''))]);
      if (mine.length > 0) expect(item.p).toBe((mine.at(-1)?.p ?? 0) + 1);
      mine.push(item);
      text += item.piece.text;
      line += breaks(item.piece.text);
    } while (text.length < doc.text.length);
    expect(text).toBe(doc.text);
    mine.forEach(({ piece }, i) =>
      expect(piece.piece).toEqual(mine.length > 1 ? { index: i + 1, of: mine.length } : undefined),
    );
  }
  expect(next).toBe(flat.length);
  return parts;
}

const piecesOf = (parts: Part[], label: string) => parts.flatMap((p) => p.pieces).filter((p) => p.label === label);

function words(rand: () => number, n: number): string {
  const vocab = [
    'the',
    'model',
    'reads',
    'a',
    'file',
    'and',
    'returns',
    'JSON',
    'value',
    'x=1;',
    '→',
    '日本語',
    '😀',
    '`code`',
    '```',
    'tab\t',
    'ümlaut',
  ];
  return Array.from({ length: n }, () => vocab[Math.floor(rand() * vocab.length)]).join(' ');
}

function randomDoc(rand: () => number, i: number): InputDoc {
  const kind = Math.floor(rand() * 8);
  const lines = Math.floor(rand() * 300);
  const nl = rand() < 0.25 ? '\r\n' : '\n';
  const out: string[] = [];
  for (let l = 0; l < lines; l++) {
    const r = rand();
    if (kind === 0)
      out.push(
        r < 0.1
          ? `${'#'.repeat(1 + Math.floor(rand() * 3))} Heading ${l}`
          : r < 0.3
            ? ''
            : words(rand, 1 + Math.floor(rand() * 30)),
      );
    else if (kind === 1)
      out.push(r < 0.08 ? `export function f${l}() {` : r < 0.15 ? '' : `  ${words(rand, Math.floor(rand() * 12))}`);
    else if (kind === 2)
      out.push(
        r < 0.05
          ? `diff --git a/f${l} b/f${l}`
          : r < 0.15
            ? `@@ -${l},3 +${l},4 @@`
            : `${'+- '[Math.floor(rand() * 3)]}${words(rand, 5)}`,
      );
    else if (kind === 3) out.push(`2024-05-01T10:00:${l} INFO ${words(rand, 8)}`);
    else if (kind === 4) out.push(r < 0.05 ? words(rand, 1500) : words(rand, 4));
    else if (kind === 5) out.push(r < 0.5 ? '' : '`'.repeat(Math.floor(rand() * 8)));
    else out.push(words(rand, Math.floor(rand() * 20)));
  }
  const text = out.join(nl) + (rand() < 0.5 ? nl : '');
  return {
    label: kind === 0 ? `docs/d${i}.md` : kind === 1 ? `src/f${i}.ts` : kind === 2 ? 'git diff' : `input ${i}`,
    text: kind === 7 ? '' : text,
  };
}

describe('splitInputs', () => {
  it('reassembles every doc exactly, keeps every part within budget (random docs)', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rand = random(seed);
      const docs = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, i) => randomDoc(rand, i));
      checked(docs, 60 + Math.floor(rand() * 2000));
    }
  });

  it('packs whole files together, without splitting any', () => {
    const docs = Array.from({ length: 10 }, (_, i) => ({
      label: `src/f${i}.ts`,
      text: `export const v${i} = ${'1 + '.repeat(400)}1;\n`,
    }));
    const each = count(docs[0]?.text ?? '') + count(partOverhead('src/f0.ts', docs[0]?.text, false));
    const parts = checked(docs, each * 3 + 5);
    expect(parts.map((p) => p.pieces.length)).toEqual([3, 3, 3, 1]);
    expect(parts.flatMap((p) => p.pieces).every((p) => p.piece === undefined)).toBe(true);
    expect(checked(docs, 100_000)).toHaveLength(1);
  });

  it('cuts Markdown at headings, moving a section that fits a part on whole', () => {
    const para = (n: number) => `${'Some prose about the section, with words. '.repeat(20)}${n}\n\n`;
    const section = (n: number) => `# Section ${n}\n\n${para(1)}${para(2)}${para(3)}`;
    const text = [1, 2, 3, 4].map(section).join('');
    const budget = Math.ceil(count(section(1)) * 1.6); // one section per part: not 1.6 sections across a heading
    const pieces = piecesOf(checked([{ label: 'README.md', text }], budget), 'README.md');
    expect(pieces.map((p) => p.text)).toEqual([1, 2, 3, 4].map(section));
    expect(pieces.map((p) => p.piece)).toEqual([1, 2, 3, 4].map((index) => ({ index, of: 4 })));
    // A section larger than a part is cut at its subheadings; `#` inside a code fence is no heading.
    const sub = (n: number) => `## Sub ${n}\n\n${para(n)}\`\`\`sh\n# not a heading\n\`\`\`\n`;
    const big = `# Big\n\n${[1, 2, 3, 4, 5, 6].map(sub).join('')}`;
    const parts = piecesOf(checked([{ label: 'big.md', text: big }], Math.ceil(count(sub(1)) * 2.5)), 'big.md');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts.slice(1)) expect(p.text.startsWith('## Sub')).toBe(true);
  });

  it('cuts a diff at `diff --git`, then at `@@`, keeping a file header with its first hunk', () => {
    const hunk = (n: number) =>
      `@@ -${n},7 +${n},8 ` +
      `@@\n${Array.from({ length: 12 }, (_, i) => `+const line${i} = compute(${n}, ${i});`).join('\n')}\n`;
    const file = (name: string, hunks: number) =>
      `diff --git a/${name} b/${name}\nindex 1111111..2222222 100644\n--- a/${name}\n+++ ` +
      `b/${name}\n${Array.from({ length: hunks }, (_, i) => hunk(i * 10)).join('')}`;
    const files = [file('a.ts', 2), file('b.ts', 2), file('c.ts', 12), file('d.ts', 1)];
    const budget = Math.ceil(count(files[0] ?? '') * 1.5);
    const pieces = piecesOf(
      checked([{ label: 'git diff (staged)', text: files.join('') }], budget),
      'git diff (staged)',
    );
    for (const p of pieces) expect(p.text).toMatch(/^(diff --git|@@ )/);
    expect(pieces.slice(0, 2).map((p) => p.text)).toEqual([files[0], files[1]]);
    expect(pieces.find((p) => p.text.startsWith('diff --git a/c.ts'))?.text).toContain('\n@@ -0,7');
    expect(pieces.at(-1)?.text.endsWith(files[3] ?? '')).toBe(true);
  });

  it('cuts code before top-level declarations, keeping the comments above them', () => {
    const fn = (n: number) =>
      `/** Adds ${n}. */\n@logged\nexport function add${n}(x: number): number {\n  const y = x + ` +
      `${n};\n\n  return y;\n}\n\n`;
    const text = `import { a } from './a.js';\n\n${Array.from({ length: 12 }, (_, i) => fn(i)).join('')}`;
    const pieces = piecesOf(checked([{ label: 'src/add.ts', text }], Math.ceil(count(fn(1)) * 2.5)), 'src/add.ts');
    expect(pieces.length).toBeGreaterThan(4);
    for (const p of pieces.slice(1)) expect(p.text).toMatch(/^\/\*\* Adds \d+\. \*\/\n/);
  });

  it('stays within budget with a count that is not additive', () => {
    const superlinear = (text: string) => Math.ceil(text.length ** 1.05 / 4);
    const text = 'word '.repeat(40_000);
    const parts = splitInputs([{ label: 'a.txt', text }], 3000, superlinear);
    expect(parts.map((p) => p.pieces.map((q) => q.text).join('')).join('')).toBe(text);
    for (const part of parts) expect(superlinear(renderPart(part))).toBeLessThanOrEqual(3000);
  });

  it('cuts a 100 KB line at characters, filling each part', () => {
    const rand = random(7);
    const line = Array.from({ length: 100_000 }, () => 'abcdefghij0123456789{}[]:,"é😀'[Math.floor(rand() * 30)]).join(
      '',
    );
    const budget = 2000;
    const parts = checked([{ label: 'minified.js', text: line }], budget);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts.slice(0, -1)) expect(part.tokens).toBeGreaterThan(budget * 0.97);
    for (const p of piecesOf(parts, 'minified.js')) expect(p.lines).toEqual([1, 1]);
  });

  it('splits a 200 KB log into the expected number of parts', () => {
    const rand = random(3);
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < 200_000; i++) {
      const batch = Array.from(
        { length: 100 },
        (_, j) =>
          `2024-05-01T10:${String((i + j) % 60).padStart(2, '0')}:00Z INFO ` +
          `worker-${Math.floor(rand() * 9)} handled request ${i * 100 + j} in ` +
          `${Math.floor(rand() * 900)}ms`,
      );
      lines.push(...batch);
    }
    const text = `${lines.join('\n')}\n`;
    const budget = 6000;
    const expected = Math.ceil(count(text) / (budget - count(partOverhead('app.log', text))));
    const parts = checked([{ label: 'app.log', text }], budget);
    expect(Math.abs(parts.length - expected)).toBeLessThanOrEqual(1);
    for (const p of piecesOf(parts, 'app.log')) expect(p.text.endsWith('\n')).toBe(true); // at line ends
  });

  it(
    'splits 10 MB of code and a 2 MB line, every character kept (its speed is measured by npm ' +
      'run bench -- offload)',
    () => {
      const block =
        `export function handler(event) {\n  const value = event.body ?? '';\n  return { status: ` +
        `200, body: value.trim() };\n}\n\n`;
      const text = block.repeat(Math.ceil(10_000_000 / block.length));
      const long = 'x'.repeat(2_000_000);
      const parts = splitInputs(
        [
          { label: 'big.ts', text },
          { label: 'one-line.txt', text: long },
        ],
        6000,
        count,
      );
      expect(
        piecesOf(parts, 'big.ts')
          .map((p) => p.text)
          .join(''),
      ).toBe(text);
      expect(
        piecesOf(parts, 'one-line.txt')
          .map((p) => p.text)
          .join(''),
      ).toBe(long);
      expect(Math.max(...parts.map((p) => p.tokens))).toBeLessThanOrEqual(6000);
    },
  );

  it('throws a clear error when the budget cannot hold a header', () => {
    expect(() => splitInputs([{ label: 'src/a.ts', text: 'const a = 1;\n' }], 5, count)).toThrow(
      /budget of 5 tokens is too small/,
    );
    expect(() => splitInputs([{ label: 'empty', text: '' }], 1, count)).toThrow(/too small/);
    expect(() => splitInputs([{ label: 'a', text: 'x' }], 0, count)).toThrow(/positive/);
  });

  it('keeps empty docs, each in its place', () => {
    expect(splitInputs([], 100, count)).toEqual([]);
    const parts = checked(
      [
        { label: 'empty.ts', text: '' },
        { label: 'a.ts', text: 'x\n' },
        { label: 'empty2', text: '' },
      ],
      200,
    );
    expect(parts).toHaveLength(1);
    expect(parts[0]?.pieces.map((p) => [p.label, p.text, p.lines])).toEqual([
      ['empty.ts', '', [1, 1]],
      ['a.ts', 'x\n', [1, 1]],
      ['empty2', '', [1, 1]],
    ]);
  });

  it("numbers lines ended by LF, CRLF or a lone CR alike (the parts' headers and the citations count the same)", () => {
    expect(lineStarts('a\rb\r\nc\nd')).toEqual([0, 2, 5, 7]);
    expect(lineStarts('a\r\r')).toEqual([0, 2]); // an empty line between two CRs; the final break starts none
    expect(lineStarts('a\n\r\n')).toEqual([0, 2]);
    expect(lineStarts('')).toEqual([0]);
    expect(nextLineStart('ab', 0)).toBe(-1);
    expect(nextLineStart('a\r\nb', 1)).toBe(3);
    expect(nextLineStart('a\rb\nc', 2)).toBe(4);
    const cr = Array.from({ length: 300 }, (_, i) => `line ${i + 1} of an old Mac file`).join('\r');
    const parts = piecesOf(checked([{ label: 'mac.txt', text: cr }], 400), 'mac.txt');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.at(-1)!.lines[1]).toBe(300);
    for (const p of parts) expect(p.text.startsWith(`line ${p.lines[0]} `)).toBe(true);
  });

  it('preserves CRLF line endings, never cutting between CR and LF', () => {
    const text = Array.from({ length: 400 }, (_, i) =>
      i % 7 === 6 ? '' : `line ${i} of a Windows file with some words`,
    ).join('\r\n');
    const pieces = piecesOf(checked([{ label: 'notes', text }], 300), 'notes');
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces.slice(0, -1)) expect(p.text.endsWith('\r\n')).toBe(true);
    const long = `${'word '.repeat(5000)}\r\n`.repeat(3);
    for (const p of piecesOf(checked([{ label: 'long', text: long }], 400), 'long'))
      expect(p.text.endsWith('\r')).toBe(false);
  });
});

describe('renderPart', () => {
  it('renders a header and a fence longer than any backtick run in the text', () => {
    const text = 'a\n`````\nb';
    expect(renderPart({ pieces: [{ label: 'src/a.ts', text, lines: [120, 122], piece: { index: 2, of: 3 } }] })).toBe(
      `### src/a.ts (part 2 of 3, lines 120–122)\n\`\`\`\`\`\`\n${text}\n\`\`\`\`\`\``,
    );
    expect(
      renderPart({
        pieces: [
          { label: 'x', text: 'y\n', lines: [1, 1] },
          { label: 'z', text: '', lines: [1, 1] },
        ],
      }),
    ).toBe('### x\n```\ny\n```\n\n### z\n```\n```');
  });
});
