import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, run, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

function projectDir(files: Record<string, string>): string {
  const dir = tempDir('ollm-project-');
  mkdirSync(join(dir, '.git')); // the project's root: detection stops here
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('project profiles', () => {
  it(
    'detected from the working folder: its settings, system prompt and tool list apply, and ' +
      'ollm://config shows it',
    async () => {
      const dir = projectDir({
        'package.json': '{"name":"shop"}',
        '.ollm/project.yaml':
          'profile: shop-api\nextends: typescript\nmodel: qwen2.5-coder:7b\nsystemPrompt: "You help ' +
          'with the shop API."\ntools:\n  enabled: [route_and_generate, list_models, remember, recall]\n',
        'src/deep/nested/file.ts': 'export {};\n',
      });
      const env = { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host };
      const s = await connect(env, [], join(dir, 'src/deep/nested'));
      try {
        const { tools } = await s.client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(['list_models', 'recall', 'remember', 'route_and_generate']);
        const config = JSON.parse(
          ((await s.client.readResource({ uri: 'ollm://config' })).contents[0] as { text: string }).text,
        );
        expect(config.project).toMatchObject({
          name: 'shop-api',
          base: 'typescript',
          root: dir,
          marker: 'package.json',
          file: join(dir, '.ollm/project.yaml'),
        });
        expect(config.settings.model.default).toBe('qwen2.5-coder:7b');
        expect(config.sources['model.default']).toBe(`project ${join(dir, '.ollm/project.yaml')}`);
        const before = fake.requests.length;
        const res = await s.client.callTool({
          name: 'route_and_generate',
          arguments: { prompt: 'Say hello to the team', task: 'general' },
        });
        expect(res.isError).toBeFalsy();
        const sent = fake.requests
          .slice(before)
          .find(
            (r) => r.path === '/api/generate' && (r.body as { prompt?: string }).prompt === 'Say hello to the team',
          );
        expect((sent!.body as { system?: string }).system).toBe('You help with the shop API.');
        await expect(s.client.callTool({ name: 'delete_model', arguments: { model: 'llama3.2' } })).rejects.toThrow(
          /delete_model not found/,
        ); // not offered
      } finally {
        await s.close();
      }
    },
  );

  it(
    "a code project's default applies to its own kind of work only, and a preference for " + 'general work wins',
    async () => {
      const dir = projectDir({ 'package.json': '{"name":"web"}', 'tsconfig.json': '{}' });
      const s = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host }, [], dir);
      const route = async (prompt: string) =>
        (await s.client.callTool({ name: 'route_and_generate', arguments: { prompt, maxTokens: 8 } }))
          .structuredContent as { model: string; profile: string; reason: string };
      try {
        const lisbon = await route('What are some good things to see in Lisbon?');
        expect(lisbon.profile).toBe('general');
        expect(lisbon.model).not.toMatch(/coder/);
        const team = 'Tell me what you think about the way our team names its branches and tags';
        const branches = await route(team);
        expect(branches.profile).toBe('code');
        expect(branches.reason).toMatch(/code profile by default/);
        const preferred = await s.client.callTool({
          name: 'prefer_model',
          arguments: { model: 'phi3:mini', task: 'general' },
        });
        expect(preferred.isError, JSON.stringify(preferred.content)).toBeFalsy();
        const after = await route(team);
        expect(after).toMatchObject({ profile: 'general', model: 'phi3:mini' });
        expect(after.reason).toMatch(/you preferred for general work/);
      } finally {
        await s.close();
      }
    },
  );

  it('--project names the folder; `project` shows the profile and `project init` writes one to edit', async () => {
    const dir = projectDir({ 'Cargo.toml': '[package]\nname = "x"\n' });
    const env = { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host };
    const shown = await run(['project', '--project', dir], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^Project ${dir}: Rust project \\(detected from Cargo.toml\\)`));
    expect(shown.stdout).toMatch(/routing default profile: code/);
    expect(shown.stdout).toMatch(/profile file: none — `ollm-mcp project init` writes one/);
    const init = await run(['project', 'init'], env, [], 0, dir);
    expect(init.code).toBe(0);
    const text = readFileSync(join(dir, '.ollm/project.yaml'), 'utf8');
    expect(text).toMatch(/^# ollm-mcp project profile/);
    expect(text).toMatch(/^profile: rust$/m);
    expect(await run(['project', 'init'], env, [], 0, dir)).toMatchObject({ code: 1 });
    const missing = await run(['--project', join(dir, 'nope')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Project folder .*nope does not exist \(named by --project\)/);
  });

  it('a broken project file stops the server with one line naming the file and the key', async () => {
    const dir = projectDir({ 'go.mod': 'module x\n', '.ollm/project.yaml': 'routing:\n  defaultProfile: turbo\n' });
    const r = await run([], { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host }, [], 0, dir);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /project\.yaml.*"routing\.defaultProfile" = "turbo" is not allowed; expected one of fast, general, code/,
    );
    expect(existsSync(join(dir, '.ollm/project.yaml'))).toBe(true);
  });

  it('outside any project nothing is detected', async () => {
    const r = await run(['project'], { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No project type recognised in/);
  });
});
