import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type FlagSetting } from '../../src/orchestrator/config/index.js';
import { tempDir } from '../helpers/temp.js';

function home(yaml?: string): string {
  const dir = tempDir('ollm-config-');
  if (yaml !== undefined) writeFileSync(join(dir, 'config.yaml'), yaml);
  return dir;
}

async function load(
  opts: {
    yaml?: string;
    env?: Record<string, string>;
    flags?: FlagSetting[];
    project?: { settings: Record<string, unknown>; source: string };
  } = {},
) {
  const dir = home(opts.yaml);
  return loadConfig({
    env: { OLLM_HOME: dir, ...opts.env },
    flags: opts.flags ?? [],
    ...(opts.project && { project: opts.project }),
  });
}

async function failure(opts: Parameters<typeof load>[0]): Promise<string> {
  try {
    await load(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('settings defaults', () => {
  it('gives the documented defaults with no file, env or flag', async () => {
    const c = await load();
    expect(c.fileFound).toBe(false);
    expect(c.settings.ollama.host).toBe('http://127.0.0.1:11434');
    expect(c.settings.provider).toBe('ollama');
    // no generation option of ollm-mcp's own: each model's (its Modelfile), else the engine's (issue 45)
    expect(c.settings.options).toEqual({});
    expect(c.settings.ram).toEqual({
      budget: { kind: 'percent', percent: 80 },
      safetyMargin: 0.2,
      bufferBytes: 2e9,
      smallModelBytes: 5e9,
    });
    expect(c.settings.model.keepAlive).toEqual({ enabled: true, models: [], timeout: 300, extraCopyIdleSeconds: 180 });
    expect(c.settings.model.routing).toEqual({
      enabled: true,
      defaultProfile: 'general',
      overrides: {},
      madeFor: {},
      allowCloud: false,
      learning: true,
    });
    expect(c.memoryFile).toBe(join(c.home, 'memory.json')); // an earlier version's memory, imported once into state.db
    expect(c.templatesDir).toBe(join(c.home, 'templates'));
  });
});

describe('precedence: flag > env > file > default', () => {
  const yaml =
    'options:\n  temperature: 0.3\n  maxTokens: 1000\nmodel:\n  default: file-model\nollama:\n  host: file-host:1\n';

  it('file beats default', async () => {
    const c = await load({ yaml });
    expect(c.settings.options.temperature).toBe(0.3);
    expect(c.settings.options.topP).toBeUndefined(); // untouched keys stay unset: the model's own applies
    expect(c.sources['options.temperature']).toBe(c.file);
  });

  it('env beats file', async () => {
    const c = await load({ yaml, env: { OLLM_TEMPERATURE: '0.5', OLLM_MODEL: 'env-model' } });
    expect(c.settings.options.temperature).toBe(0.5);
    expect(c.settings.model.default).toBe('env-model');
    expect(c.settings.options.maxTokens).toBe(1000);
    expect(c.sources['options.temperature']).toBe('env OLLM_TEMPERATURE');
  });

  it('a project profile beats the file, and env and flags beat the project', async () => {
    const project = {
      settings: { model: { default: 'qwen2.5-coder:7b', routing: { defaultProfile: 'code' } } },
      source: 'project /srv/app/.ollm/project.yaml',
    };
    const c = await load({ yaml: 'model:\n  default: llama3.2\n  routing:\n    defaultProfile: fast\n', project });
    expect(c.settings.model.default).toBe('qwen2.5-coder:7b');
    expect(c.settings.model.routing.defaultProfile).toBe('code');
    expect(c.sources['model.default']).toBe('project /srv/app/.ollm/project.yaml');
    const overridden = await load({
      project,
      env: { OLLM_MODEL: 'mistral' },
      flags: [{ path: 'model.routing.defaultProfile', value: 'general', flag: '--set model.routing.defaultProfile' }],
    });
    expect(overridden.settings.model.default).toBe('mistral');
    expect(overridden.settings.model.routing.defaultProfile).toBe('general');
    expect(overridden.sources['model.default']).toBe('env OLLM_MODEL');
  });

  it('flag beats env and file', async () => {
    const c = await load({
      yaml,
      env: { OLLM_TEMPERATURE: '0.5' },
      flags: [{ path: 'options.temperature', value: 0.9, flag: '--temperature' }],
    });
    expect(c.settings.options.temperature).toBe(0.9);
    expect(c.sources['options.temperature']).toBe('flag --temperature');
  });

  it('OLLM_HOST wins over OLLAMA_HOST, which is used when OLLM_HOST is unset', async () => {
    expect((await load({ env: { OLLAMA_HOST: '0.0.0.0:7000' } })).settings.ollama.host).toBe('http://127.0.0.1:7000');
    const both = await load({ env: { OLLAMA_HOST: '0.0.0.0:7000', OLLM_HOST: 'box:8000' } });
    expect(both.settings.ollama.host).toBe('http://box:8000');
    expect(both.sources['ollama.host']).toBe('env OLLM_HOST');
  });

  it('maps every documented env var', async () => {
    const c = await load({
      env: { OLLM_MAX_TOKENS: '256', OLLM_CONTEXT_SIZE: '8192', OLLM_PROVIDER: 'ollama', OLLM_RAM_BUDGET: '12GB' },
    });
    expect(c.settings.options.maxTokens).toBe(256);
    expect(c.settings.options.contextSize).toBe(8192);
    expect(c.settings.ram.budget).toEqual({ kind: 'bytes', bytes: 12e9 });
  });

  it('reads sizes, percentages and durations in the forms users write', async () => {
    const c = await load({
      yaml:
        'ram:\n  budget: "75%"\n  bufferBytes: 1.5GiB\n  smallModelBytes: 4000000000\nmodel:\n  ' +
        'keepAlive:\n    timeout: 15m\n    models: [llama3.2]\n  routing:\n    overrides:\n      ' +
        'code: qwen2.5-coder:7b\n',
    });
    expect(c.settings.ram.budget).toEqual({ kind: 'percent', percent: 75 });
    expect(c.settings.ram.bufferBytes).toBe(1.5 * 2 ** 30);
    expect(c.settings.ram.smallModelBytes).toBe(4e9);
    expect(c.settings.model.keepAlive.timeout).toBe('15m');
    expect(c.settings.model.routing.overrides.code).toBe('qwen2.5-coder:7b');
  });

  it('resolves relative paths in the file against the file, and ~ against the home folder', async () => {
    const c = await load({ yaml: 'memory:\n  file: notes/memory.json\ntemplates:\n  dir: /abs/templates\n' });
    expect(c.memoryFile).toBe(join(c.home, 'notes/memory.json'));
    expect(c.templatesDir).toBe('/abs/templates');
  });
});

describe('an invalid value stops start-up with one line naming key, source and what is allowed', () => {
  it('from env', async () => {
    const msg = await failure({ env: { OLLM_TEMPERATURE: 'hot' } });
    expect(msg).toMatch(/options\.temperature/);
    expect(msg).toMatch(/env OLLM_TEMPERATURE/);
    expect(msg).toMatch(/number/);
    expect(msg).not.toMatch(/\n/);
  });

  it('from the file, out of range', async () => {
    const msg = await failure({ yaml: 'ram:\n  safetyMargin: 1.5\n' });
    expect(msg).toMatch(/ram\.safetyMargin = 1\.5/);
    expect(msg).toMatch(/config\.yaml/);
    expect(msg).toMatch(/<=\s*1/);
  });

  it('from a flag', async () => {
    const msg = await failure({ flags: [{ path: 'ram.budget', value: 'lots', flag: '--ram-budget' }] });
    expect(msg).toMatch(/ram\.budget = "lots" \(from flag --ram-budget\)/);
    expect(msg).toMatch(/"12GB"|80%/);
  });

  it('an unknown key names the key and its source', async () => {
    const msg = await failure({ yaml: 'ram:\n  bugdet: 12GB\n' });
    expect(msg).toMatch(/Unknown setting "ram\.bugdet"/);
    expect(msg).toMatch(/config\.yaml/);
  });

  it('a key named after a prototype property is an unknown setting, never a change to every object', async () => {
    const fromFlag = await failure({
      flags: [{ path: '__proto__.polluted', value: 1, flag: '--set __proto__.polluted' }],
    });
    expect(fromFlag).toMatch(/Unknown setting "__proto__" \(from flag --set __proto__\.polluted\)/);
    expect(await failure({ yaml: '__proto__:\n  polluted: 1\n' })).toMatch(
      /Unknown setting "__proto__" \(from .*config\.yaml\)/,
    );
    expect(await failure({ yaml: 'ram:\n  constructor: 1\n' })).toMatch(/Unknown setting "ram\.constructor"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an unsupported provider lists what is allowed', async () => {
    const msg = await failure({ env: { OLLM_PROVIDER: 'openai' } });
    expect(msg).toMatch(/provider = "openai" \(from env OLLM_PROVIDER\): expected one of "ollama"/);
  });

  it('a bad host form', async () => {
    const msg = await failure({ env: { OLLAMA_HOST: 'ftp://box' } });
    expect(msg).toMatch(/ollama\.host.*env OLLAMA_HOST.*scheme/);
  });

  it('a bad keep-alive duration', async () => {
    const msg = await failure({ yaml: 'model:\n  keepAlive:\n    timeout: "-1"\n' });
    expect(msg).toMatch(/model\.keepAlive\.timeout/);
    expect(msg).toMatch(/duration/);
  });

  it('a keep-alive longer than Ollama can hold names the limit and the way to say forever', async () => {
    const msg = await failure({ yaml: 'model:\n  keepAlive:\n    timeout: 10000000000\n' });
    expect(msg).toMatch(
      /^Invalid setting model\.keepAlive\.timeout = 10000000000 \(from .*config\.yaml\): expected at most 9223372036 seconds, about 292 years, .* use -1 \(or any negative number\) to keep the model loaded forever\.$/,
    );
    expect(await failure({ yaml: 'model:\n  keepAlive:\n    timeout: 3000000h\n' })).toMatch(
      /at most 9223372036 seconds/,
    );
    expect(await failure({ yaml: 'model:\n  keepAlive:\n    timeout: true\n' })).toMatch(
      /timeout = true .*: expected a number of seconds or a duration like "10m"\.$/,
    );
    expect(
      (await load({ yaml: 'model:\n  keepAlive:\n    timeout: -99999999999999\n' })).settings.model.keepAlive.timeout,
    ).toBe(-99999999999999);
  });

  it('a fallback provider needs an http(s) URL and keeps only the name of its key variable', async () => {
    const ok = await load({
      yaml: 'fallback:\n  baseURL: https://api.example.com/v1\n  model: small\n  apiKeyEnv: EXAMPLE_KEY\n',
    });
    expect(ok.settings.fallback).toEqual({
      baseURL: 'https://api.example.com/v1',
      model: 'small',
      apiKeyEnv: 'EXAMPLE_KEY',
      sendInputs: false,
    });
    expect(await failure({ yaml: 'fallback:\n  baseURL: ftp://x\n  model: m\n' })).toMatch(/fallback\.baseURL/);
    expect(await failure({ yaml: 'fallback:\n  baseURL: https://x\n  model: m\n  apiKey: sk-123\n' })).toMatch(
      /Unknown setting "fallback\.apiKey"/,
    );
  });

  it('broken YAML names the file and line', async () => {
    const msg = await failure({ yaml: 'ram:\n  budget: [\n' });
    expect(msg).toMatch(/config\.yaml:\d+ is not valid YAML/);
  });

  it('a --config file that does not exist', async () => {
    await expect(loadConfig({ env: {}, configFile: '/nonexistent/ollm.yaml' })).rejects.toThrow(/does not exist/);
  });
});
