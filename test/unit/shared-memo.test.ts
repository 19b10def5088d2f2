// A forwarding launch's memo (src/server/shared/memo.ts): recalled only by a launch started the same
// way (arguments, folder, variables) while what its settings were read from is as it was; and the
// check a launch makes of the server's answer without zod (first-line.ts), as hello.ts's schema does.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../../src/server/shared/first-line.js';
import { answerSchema, parseLine } from '../../src/server/shared/hello.js';
import { fingerprint, recall as recalled, remember, type Plan } from '../../src/server/shared/memo.js';
import { THIS_SYSTEM, type System } from '../../src/server/shared/place.js';
import { shortTempDir, tempDir } from '../helpers/temp.js';

const plan: Plan = {
  key: '0123456789abcdef',
  home: '/h',
  toolsets: ['all'],
  defaultProfile: 'general',
  offers: true,
  secretNames: ['OLLM_API_KEY', 'BOX_TOKEN'],
};

/** A machine of its own (runtime folder, home), a project folder in it, and its settings file. */
function machine() {
  const root = tempDir('ollm-memo-');
  const home = join(root, 'home');
  const cwd = join(root, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  const file = join(home, 'config.yaml');
  writeFileSync(file, 'ram:\n  budget: 4GB\n');
  const env: NodeJS.ProcessEnv = { OLLM_HOME: home, PATH: '/bin' };
  // short whatever $TMPDIR is: a socket path in it must stay under ~100 bytes
  const runtime = shortTempDir('ollm-rt-');
  const system: System = { ...THIS_SYSTEM, runtimeDir: () => Promise.resolve(runtime) };
  const keep = async (argv: string[] = [], e = env) =>
    remember(argv, (await fingerprint(cwd, file))!, plan, e, cwd, system);
  const recall = (argv: string[], e: NodeJS.ProcessEnv, from: string) => recalled(argv, e, from, system);
  return { root, home, cwd, file, env, runtime, keep, recall };
}

describe('the memo of a forwarding launch', () => {
  it(
    'a launch started the same way recalls the plan; the memo is private, beside the socket ' +
      'folder, which it leaves empty',
    async () => {
      const m = machine();
      expect(await m.recall([], m.env, m.cwd)).toBeUndefined(); // none yet
      await m.keep();
      expect(await m.recall([], m.env, m.cwd)).toEqual(plan);
      const dir = join(m.runtime, `ollm-mcp-${process.getuid!()}-memo`);
      const [memo] = readdirSync(dir);
      expect(memo).toMatch(/^memo-[0-9a-f]{16}\.json$/);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, memo!)).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(m.runtime, `ollm-mcp-${process.getuid!()}`))).toEqual([]);
    },
  );

  it('other arguments, folder or variables: another launch, no memo', async () => {
    const m = machine();
    await m.keep(['--model', 'a']);
    expect(await m.recall(['--model', 'a'], m.env, m.cwd)).toEqual(plan);
    expect(await m.recall(['--model', 'b'], m.env, m.cwd)).toBeUndefined();
    expect(await m.recall(['--model', 'a'], m.env, m.home)).toBeUndefined();
    expect(await m.recall(['--model', 'a'], { ...m.env, OLLM_MODEL: 'x' }, m.cwd)).toBeUndefined();
    expect(await m.recall(['--model', 'a'], { ...m.env, OLLAMA_HOST: 'http://gpu:11434' }, m.cwd)).toBeUndefined();
    // a variable that shapes nothing
    expect(await m.recall(['--model', 'a'], { ...m.env, TERM: 'xterm' }, m.cwd)).toEqual(plan);
  });

  it('a key the settings name, set or changed since: not recalled', async () => {
    const m = machine();
    await m.keep();
    expect(await m.recall([], { ...m.env, BOX_TOKEN: 'secret' }, m.cwd)).toBeUndefined();
    await m.keep([], { ...m.env, BOX_TOKEN: 'secret' });
    expect(await m.recall([], { ...m.env, BOX_TOKEN: 'secret' }, m.cwd)).toEqual(plan);
    expect(await m.recall([], { ...m.env, BOX_TOKEN: 'other' }, m.cwd)).toBeUndefined();
  });

  it('the settings file changed, removed, made, or replaced by a link: not recalled', async () => {
    const m = machine();
    await m.keep();
    writeFileSync(m.file, 'ram:\n  budget: 5GB\n');
    expect(await m.recall([], m.env, m.cwd)).toBeUndefined();
    await m.keep();
    rmSync(m.file);
    expect(await m.recall([], m.env, m.cwd)).toBeUndefined();
    await m.keep();
    expect(await m.recall([], m.env, m.cwd)).toEqual(plan); // kept with no file
    writeFileSync(m.file, '');
    expect(await m.recall([], m.env, m.cwd)).toBeUndefined();
  });

  it('the project found from the folder changed (a marker, a project file, its bytes): not recalled', async () => {
    const m = machine();
    await m.keep();
    writeFileSync(join(m.cwd, 'package.json'), '{}');
    expect(await m.recall([], m.env, m.cwd)).toBeUndefined();
    await m.keep();
    expect(await m.recall([], m.env, m.cwd)).toEqual(plan);
    mkdirSync(join(m.cwd, '.ollm'));
    writeFileSync(join(m.cwd, '.ollm', 'project.yaml'), 'profile: typescript\n');
    expect(await m.recall([], m.env, m.cwd)).toBeUndefined();
    await m.keep();
    writeFileSync(join(m.cwd, '.ollm', 'project.yaml'), 'profile: python\n');
    expect(await m.recall([], m.env, m.cwd)).toBeUndefined();
  });

  it('a settings file that is no small regular file is not memoised: the load says what it makes of it', async () => {
    const m = machine();
    rmSync(m.file);
    mkdirSync(m.file);
    expect(await fingerprint(m.cwd, m.file)).toBeUndefined();
  });

  it('never with --token; a memo that is not one is not recalled', async () => {
    const m = machine();
    await m.keep(['--token', 't']);
    expect(await m.recall(['--token', 't'], m.env, m.cwd)).toBeUndefined();
    await m.keep();
    const dir = join(m.runtime, `ollm-mcp-${process.getuid!()}-memo`);
    expect(readdirSync(dir)).toHaveLength(1);
    writeFileSync(join(dir, readdirSync(dir)[0]!), '{"v":1,"plan":{"key":"nothex"}}');
    expect(await m.recall([], m.env, m.cwd)).toBeUndefined();
  });
});

describe("the launch's check of the server's answer", () => {
  it('takes what the schema takes and refuses what it refuses', () => {
    const lines = [
      '{"ollm":"ok","pid":3}',
      '{"ollm":"refused","why":"another version"}',
      '{"ollm":"ok","pid":0}',
      '{"ollm":"ok","pid":1.5}',
      '{"ollm":"ok","pid":3,"extra":1}',
      '{"ollm":"refused","why":5}',
      `{"ollm":"refused","why":"${'x'.repeat(2001)}"}`,
      '{"ollm":"other"}',
      '[1]',
      'null',
      'not json',
    ];
    for (const line of lines) expect('value' in parseAnswer(line), line).toBe('value' in parseLine(line, answerSchema));
    expect(parseAnswer('{"ollm":"ok","pid":3}')).toEqual({ value: { ollm: 'ok', pid: 3 } });
  });
});
