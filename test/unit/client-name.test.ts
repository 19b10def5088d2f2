// What a client says of itself, as others are shown it (issue 55, finding 7): a plain name kept
// exactly; escape sequences, control characters, line breaks and huge names cleaned and capped.
import { describe, expect, it } from 'vitest';
import {
  clientPath,
  clientText,
  MAX_CLIENT_NAME,
  MAX_CLIENT_PATH,
  shownClient,
} from '../../src/orchestrator/util/client-name.js';

describe('clientText', () => {
  it('keeps a plain name exactly', () => {
    for (const name of [
      'claude-code',
      'Cursor 1.2',
      'Visual Studio Code - Insiders',
      'Café  Ünïcode 名前 🚀',
      'a'.repeat(MAX_CLIENT_NAME),
    ])
      expect(clientText(name)).toBe(name);
  });

  it('removes terminal escape sequences, whole', () => {
    expect(clientText('\x1b[31mred\x1b[0m name')).toBe('red name');
    expect(clientText('\x1b]0;pwned title\x07claude')).toBe('claude');
    expect(clientText('\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\')).toBe('link');
    expect(clientText('a\x1bPq#0;2;0;0;0\x1b\\b')).toBe('ab');
    expect(clientText('\x9b2Jx\x1bcy')).toBe('xy');
    expect(clientText('cut\x1b[')).toBe('cut');
  });

  it('makes line breaks, tabs and other control or unshown characters one space, trimmed', () => {
    expect(clientText('evil\nFAKE LINE\r\n\tx')).toBe('evil FAKE LINE x');
    expect(clientText('nul\x00del\x7fc1\x85end')).toBe('nul del c1 end');
    expect(clientText('right\u202eto-left\u2066iso\u2069zero\u200bwidth\u2028sep')).toBe(
      'right to-left iso zero width sep',
    );
    expect(clientText('half \ud800 pair')).toBe('half \ufffd pair');
  });

  it('caps a long name with an ellipsis, a megabyte read only in part', () => {
    const huge = 'x'.repeat(1024 * 1024);
    const shown = clientText(huge)!;
    expect(shown).toBe(`${'x'.repeat(MAX_CLIENT_NAME - 1)}…`);
    expect(Array.from(clientText('🚀'.repeat(500))!)).toHaveLength(MAX_CLIENT_NAME); // by characters, never half a pair
    expect(clientText('\x1b[1m'.repeat(200_000) + 'name')).toBeUndefined(); // a flood of escapes leaves nothing to show
    expect(clientText('ab\ncd', 3)).toBe('ab…');
  });

  it('gives nothing for nothing', () => {
    for (const raw of [undefined, 42, '', '   ', '\x1b[0m\n\t']) expect(clientText(raw)).toBeUndefined();
  });
});

describe('clientPath', () => {
  it('keeps a plain folder exactly', () => {
    expect(clientPath('/home/me/src/ollm-mcp')).toBe('/home/me/src/ollm-mcp');
    expect(clientPath('C:\\Users\\me\\code')).toBe('C:\\Users\\me\\code');
  });

  it('cleans a folder name and keeps its start and end when long', () => {
    expect(clientPath('/tmp/a\nb/\x1b[2Jc')).toBe('/tmp/a b/c');
    const long = `/home/me/${'deep/'.repeat(1000)}project`;
    const shown = clientPath(long);
    expect(Array.from(shown)).toHaveLength(MAX_CLIENT_PATH);
    expect(shown.startsWith('/home/me/deep/')).toBe(true);
    expect(shown.endsWith('/deep/project')).toBe(true);
    expect(shown).toContain('…');
    expect(Array.from(clientPath('/x'.repeat(150)))).toHaveLength(MAX_CLIENT_PATH);
  });
});

describe('shownClient', () => {
  it('cleans every field a client supplies, dropping the empty ones, and keeps the rest', () => {
    const c = {
      name: `evil\x1b[2J\n${'n'.repeat(5000)}`,
      version: '\x1b[0m',
      pid: 7,
      cwd: '/w/a\nb',
      project: 'p\tq',
      since: '2026-01-01T00:00:00.000Z',
    };
    const shown = shownClient(c);
    expect(shown).toEqual({
      name: `evil ${'n'.repeat(MAX_CLIENT_NAME - 6)}…`,
      pid: 7,
      cwd: '/w/a b',
      project: 'p q',
      since: c.since,
    });
    expect(shownClient({ name: 'claude-code', version: '2.0.1', pid: 1, cwd: '/w', since: 's' })).toEqual({
      name: 'claude-code',
      version: '2.0.1',
      pid: 1,
      cwd: '/w',
      since: 's',
    });
  });
});
