// `ollm-mcp state backup FILE [--force]` on the command line (src/server/args.ts).
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/server/args.js';
import { USAGE } from '../../src/server/usage.js';

describe('the state command', () => {
  it('state backup FILE, with and without --force', () => {
    expect(parseCli(['state', 'backup', 'b.db'])).toMatchObject({
      command: 'state',
      action: 'backup',
      params: ['b.db'],
    });
    expect(parseCli(['state', 'backup', 'b.db']).force).toBeUndefined();
    expect(parseCli(['state', 'backup', 'b.db', '--force']).force).toBe(true);
  });
  it('a missing FILE, an unknown action, and --force elsewhere are usage errors', () => {
    expect(() => parseCli(['state', 'backup'])).toThrow(new UsageError('Usage: ollm-mcp state backup FILE.'));
    expect(() => parseCli(['state', 'restore', 'x'])).toThrow(
      /Unknown action "state restore" — one of: state backup FILE/,
    );
    expect(() => parseCli(['memory', 'list', '--force'])).toThrow(/--force goes with `state backup`/);
  });
  it('is in --help', () => expect(USAGE).toMatch(/\n {2}state backup FILE {7}Copy the state database/));
});
