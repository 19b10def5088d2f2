import { describe, expect, it } from 'vitest';
import {
  MAX_RENDERED_CHARS,
  renderTemplate,
  RenderTooLargeError,
  TemplateError,
} from '../../src/orchestrator/templates/index.js';
import { asReadError, isWithin, SafeReadError, withTimeLimit } from '../../src/orchestrator/util/safe-read.js';

describe('a filled-in template is bounded', () => {
  const rep = (n: number) => ({ template: Array.from({ length: n }, () => '{a}').join('') });

  it('up to the cap it is built; one character more is refused before it is built', () => {
    expect(renderTemplate(rep(4), { a: 'xy' }, { maxChars: 8 }).prompt).toBe('xyxyxyxy');
    const err = (() => {
      try {
        renderTemplate(rep(3), { a: 'xyz' }, { maxChars: 8 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(RenderTooLargeError);
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as RenderTooLargeError).message).toMatch(
      /^Filled in, this template would be 9 characters, more than the 8 a filled-in template may be; \{a\} alone adds 9 \(3 times, 3 characters each\) — give shorter values/,
    );
  });

  it('names the variable adding the most text, and the default cap is 1,000,000 characters', () => {
    const def = { template: 'Intro {small}{big}{big}{small}' };
    expect(() => renderTemplate(def, { small: 'x'.repeat(1000), big: 'y'.repeat(MAX_RENDERED_CHARS / 2) })).toThrow(
      /\{big\} alone adds 1,000,000 \(2 times, 500,000 characters each\)/,
    );
    expect(MAX_RENDERED_CHARS).toBe(1_000_000);
    expect(renderTemplate(def, { small: 'x', big: 'y'.repeat(MAX_RENDERED_CHARS / 2 - 4) }).prompt).toHaveLength(
      MAX_RENDERED_CHARS,
    );
  });

  it('text alone past the cap names no variable', () => {
    expect(() => renderTemplate({ template: 'abcdef{a:}' }, {}, { maxChars: 3 })).toThrow(
      /would be 6 characters, more than the 3 a filled-in template may be — give/,
    );
  });
});

describe('bounded reads', () => {
  it('a read that never ends is given up after its time limit, naming the file', async () => {
    const err = await withTimeLimit('/mnt/nfs/config.yaml', 20, () => new Promise<never>(() => undefined)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SafeReadError);
    expect((err as SafeReadError).kind).toBe('timeout');
    expect((err as SafeReadError).message).toBe(
      '/mnt/nfs/config.yaml could not be read within 0.02 s (a hung disk or network file system?)',
    );
  });

  it('a read that ends in time gives its value', async () => {
    expect(await withTimeLimit('x', 10_000, async () => 42)).toBe(42);
  });

  it('says system errors as kinds, a disk problem in plain words', () => {
    const sys = (code: string) => Object.assign(new Error(code), { code });
    expect(asReadError(sys('ENOENT'), '/h/x').kind).toBe('missing');
    expect(asReadError(sys('ELOOP'), '/h/x').kind).toBe('loop');
    expect(asReadError(sys('EIO'), '/h/x').message).toMatch(
      /^\/h\/x cannot be read: The disk failed while reading or writing \/h\/x: an input\/output error \(EIO\)/,
    );
    expect(asReadError(sys('EBADF'), '/h/x').message).toBe('/h/x cannot be read (EBADF)');
  });

  it('a folder is within itself; a sibling with a common prefix is not', () => {
    expect(isWithin('/h', '/h')).toBe(true);
    expect(isWithin('/h', '/h/t/x.yaml')).toBe(true);
    expect(isWithin('/h', '/home/x')).toBe(false);
    expect(isWithin('/h', '/h/../etc')).toBe(false);
  });
});
