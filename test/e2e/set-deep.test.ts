// `--set KEY=<deep JSON>` on the built CLI (issue 41): a value nested past MAX_SET_DEPTH is refused
// where it enters (src/server/args.ts) with one line naming the key and exit code 2 — before, the
// settings' checks ran out of stack and printed a stack trace — for every command, serving too.
import { describe, expect, it } from 'vitest';
import { MAX_SET_DEPTH } from '../../src/server/args.js';
import { run, tempHome } from '../helpers/spawn.js';

const lists = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const refusal = (key: string) =>
  `ollm-mcp: --set ${key}: the value nests deeper than ${MAX_SET_DEPTH} levels, which no ` +
  `setting does — give the setting's own value (see schemas/settings.schema.json).\n`;

describe('--set with a value nested too deep', () => {
  const cases: Array<[string, string[], string, string]> = [
    ['lists 30,000 deep (the issue)', ['memory', 'list'], 'hosts', lists(30_000)],
    ['objects 20,000 deep', ['memory', 'list'], 'model.default', objects(20_000)],
    ['one level past the bound, inside a list', ['template', 'list'], 'toolsets', `["all",${lists(MAX_SET_DEPTH)}]`],
    ['an unknown key', ['project'], 'no.such.key', lists(5_000)],
    ['serving (the default command)', [], 'hosts', lists(30_000)],
  ];
  it.each(cases)('%s: one line naming the key, exit code 2', async (_what, command, key, value) => {
    const r = await run([...command, '--set', `${key}=${value}`], { OLLM_HOME: tempHome() });
    expect(r.stderr).toBe(refusal(key));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a value within the bound reaches the settings check, which names what is wrong in one line (exit code 1)', async () => {
    const r = await run(['memory', 'list', '--set', `hosts=${lists(MAX_SET_DEPTH)}`], { OLLM_HOME: tempHome() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ollm-mcp: Invalid setting hosts\.0 = .* \(from flag --set hosts\): .*\n$/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
