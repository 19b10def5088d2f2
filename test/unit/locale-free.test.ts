/**
 * The server never touches Intl: its first use loads ICU's data, several MB resident for the life
 * of the process, and orders and prints by the machine's locale. Names are sorted and numbers
 * grouped by util/locale-free.ts instead. (The views run in the user's browser: not checked.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byCodeUnit, grouped } from '../../src/orchestrator/util/locale-free.js';

const SRC = resolve(import.meta.dirname, '../../src');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
const INTL = [
  'localeCompare(',
  'toLocaleString(',
  'toLocaleDateString(',
  'toLocaleTimeString(',
  'toLocaleUpperCase(',
  'toLocaleLowerCase(',
  'Intl.',
];

describe('locale-free', () => {
  it('no server source calls Intl', () => {
    const offenders = sources(SRC)
      .filter((f) => !relative(SRC, f).startsWith('views/'))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .filter(
            (line) =>
              !line.trim().startsWith('//') && !line.trim().startsWith('*') && INTL.some((w) => line.includes(w)),
          )
          .map((line) => `${relative(SRC, f)}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  it('groups thousands as en-US does, with the fraction asked for', () => {
    for (const [n, digits] of [
      [0, 0],
      [999, 0],
      [1000, 0],
      [1234567, 0],
      [1234.5, 2],
      [999999.999, 2],
      [-1234567.891, 2],
      [1e15, 0],
      [0.004, 2],
      [-0.001, 2],
    ] as const) {
      expect(grouped(n, digits), `${n}`).toBe(
        n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true }),
      );
    }
  });

  it('orders names the same on every machine: code units, upper case before lower', () => {
    expect(['qwen2.5:7b', 'Llama3:8b', 'llama3.2:latest', 'llama3.2', 'a'].sort(byCodeUnit)).toEqual([
      'Llama3:8b',
      'a',
      'llama3.2',
      'llama3.2:latest',
      'qwen2.5:7b',
    ]);
    expect(byCodeUnit('x', 'x')).toBe(0);
  });
});
