import { describe, expect, it } from 'vitest';
import { redactSettings } from '../../src/orchestrator/config/index.js';
import { MAX_SET_DEPTH, parseCli, UsageError } from '../../src/server/args.js';

describe('command line', () => {
  it('serves by default and knows doctor, help and version', () => {
    expect(parseCli([]).command).toBe('serve');
    expect(parseCli(['serve']).command).toBe('serve');
    expect(parseCli(['doctor', '--json'])).toMatchObject({ command: 'doctor', json: true });
    expect(parseCli(['-h']).command).toBe('help');
    expect(parseCli(['--version']).command).toBe('version');
  });

  it('maps settings flags to keys, numbers where the setting wants one, keeping the flag name', () => {
    const { flags, configFile } = parseCli([
      '--ollama-host',
      '0.0.0.0',
      '--temperature',
      '0.2',
      '--max-tokens',
      'lots',
      '--config',
      'x.yaml',
    ]);
    expect(configFile).toBe('x.yaml');
    expect(flags).toEqual([
      { path: 'ollama.host', value: '0.0.0.0', flag: '--ollama-host' },
      { path: 'options.temperature', value: 0.2, flag: '--temperature' },
      { path: 'options.maxTokens', value: 'lots', flag: '--max-tokens' }, // left as text: the schema reports it
    ]);
  });

  it('--set reads JSON values and falls back to text', () => {
    const { flags } = parseCli([
      '--set',
      'ram.safetyMargin=0.25',
      '--set',
      'model.keepAlive.models=["a","b"]',
      '--set',
      'ram.budget=12GB',
    ]);
    expect(flags.map((f) => f.value)).toEqual([0.25, ['a', 'b'], '12GB']);
    expect(flags[0]!.flag).toBe('--set ram.safetyMargin');
  });

  it('--set takes a JSON value nested up to MAX_SET_DEPTH and refuses one level more, naming the key', () => {
    const lists = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    expect(parseCli(['--set', `hosts=${lists(MAX_SET_DEPTH)}`]).flags[0]!.value).toEqual(
      JSON.parse(lists(MAX_SET_DEPTH)),
    );
    expect(parseCli(['--set', `x.y=${objects(MAX_SET_DEPTH)}`]).flags[0]!.value).toEqual(
      JSON.parse(objects(MAX_SET_DEPTH)),
    );
    const said = (key: string) =>
      `--set ${key}: the value nests deeper than ${MAX_SET_DEPTH} levels, which no setting does — ` +
      `give the setting's own value (see schemas/settings.schema.json).`;
    expect(() => parseCli(['--set', `hosts=${lists(MAX_SET_DEPTH + 1)}`])).toThrow(new UsageError(said('hosts')));
    expect(() => parseCli(['--set', `x.y=${objects(MAX_SET_DEPTH + 1)}`])).toThrow(new UsageError(said('x.y')));
    expect(() => parseCli(['--set', `hosts=[1,{"a":[2,${lists(MAX_SET_DEPTH)}]}]`])).toThrow(
      new UsageError(said('hosts')),
    );
    // not JSON: the text itself, however many brackets it has
    expect(parseCli(['--set', `model.default=${'['.repeat(100)}`]).flags[0]!.value).toBe('['.repeat(100));
  });

  it('reads the memory, template and project commands and checks their arguments', () => {
    expect(parseCli(['memory', 'add', 'editor', 'Neovim', '--category', 'preference'])).toMatchObject({
      command: 'memory',
      action: 'add',
      params: ['editor', 'Neovim'],
      category: 'preference',
    });
    expect(parseCli(['template', 'show', 'code_review'])).toMatchObject({
      command: 'template',
      action: 'show',
      params: ['code_review'],
    });
    expect(parseCli(['project'])).toMatchObject({ command: 'project', action: 'detect' });
    expect(parseCli(['project', 'init', '--project', '/srv/app'])).toMatchObject({
      command: 'project',
      action: 'init',
      project: '/srv/app',
    });
    expect(parseCli(['learning', 'reset', 'sizes'])).toMatchObject({
      command: 'learning',
      action: 'reset',
      params: ['sizes'],
    });
    expect(() => parseCli(['learning', 'reset', 'sizes', 'routing'])).toThrow(
      /Usage: ollm-mcp learning reset \[routing\|sizes\]/,
    );
    expect(parseCli(['--project', 'x'])).toMatchObject({ command: 'serve', project: 'x' });
    expect(() => parseCli(['memory'])).toThrow(
      /"memory" needs an action — one of: memory list, memory add KEY VALUE, memory forget KEY, memory clear/,
    );
    expect(() => parseCli(['memory', 'add', 'key', 'two', 'words'])).toThrow(
      /Usage: ollm-mcp memory add KEY VALUE \(quote a value that has spaces\)/,
    );
    expect(() => parseCli(['template', 'delete', 'x'])).toThrow(/Unknown action "template delete"/);
    expect(() => parseCli(['memory', 'list', '--category', 'fact'])).toThrow(/--category goes with `memory add`/);
  });

  it('rejects unknown options, commands and malformed --set with a pointer to --help', () => {
    expect(() => parseCli(['--nope'])).toThrow(UsageError);
    expect(() => parseCli(['--nope'])).toThrow(/^Unknown option --nope — see `ollm-mcp --help` for the options\.$/);
    expect(() => parseCli(['--port'])).toThrow(/^--port needs a value — see `ollm-mcp --help`\.$/);
    expect(() => parseCli(['fly'])).toThrow(/Unknown command "fly"/);
    expect(() => parseCli(['--set', 'novalue'])).toThrow(/KEY=VALUE/);
  });

  it('help works as a command too', () => {
    expect(parseCli(['help']).command).toBe('help');
  });
});

describe('redaction for ollm://config', () => {
  it('hides secrets by key and credentials inside URLs, and leaves the rest', () => {
    const out = redactSettings({
      ollama: { host: 'http://user:pw@box:11434' },
      fallback: { apiKey: 'sk-123', apiKeyEnv: 'OPENAI_API_KEY' },
      http: { token: 't' },
      options: { temperature: 0.7 },
    });
    expect(out).toEqual({
      ollama: { host: 'http://[redacted]@box:11434' },
      fallback: { apiKey: '[redacted]', apiKeyEnv: 'OPENAI_API_KEY' },
      http: { token: '[redacted]' },
      options: { temperature: 0.7 },
    });
  });
});
