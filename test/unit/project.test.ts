import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_NAMES,
  BUILTIN_PROFILES,
  ProjectError,
  detectProject,
  projectFileText,
  resolveProject,
  toolAllowed,
  type ProjectProfile,
} from '../../src/orchestrator/project/project.js';
import { tempDir } from '../helpers/temp.js';

const TOOLS = ['route_and_generate', 'list_models', 'delete_model', 'pull_model', 'compare'];

/**
 * A fake home folder holding project folder `p` with the given files ("dir/" makes a folder).
 * The walk never looks at the home folder or above it, so nothing outside the test leaks in.
 */
async function project(files: Record<string, string> = {}): Promise<{ home: string; root: string }> {
  const home = tempDir('ollm-project-');
  const root = join(home, 'p');
  await mkdir(root);
  for (const [path, text] of Object.entries(files)) {
    if (path.endsWith('/')) {
      await mkdir(join(root, path), { recursive: true });
    } else {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
  }
  return { home, root };
}

async function resolveIn(files: Record<string, string>, sub = '') {
  const { home, root } = await project(files);
  return { root, profile: await resolveProject({ dir: join(root, sub), toolNames: TOOLS, home }) };
}

async function failure(files: Record<string, string>): Promise<{ message: string; file: string }> {
  const { home, root } = await project(files);
  try {
    await resolveProject({ dir: root, toolNames: TOOLS, home });
  } catch (err) {
    expect(err).toBeInstanceOf(ProjectError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return { message, file: join(root, '.ollm', 'project.yaml') };
  }
  throw new Error('expected a ProjectError');
}

describe('built-in profiles', () => {
  it('has the five built-ins, with prompts and routing defaults', () => {
    expect([...BUILTIN_NAMES]).toEqual(['typescript', 'python', 'rust', 'go', 'documentation']);
    for (const name of BUILTIN_NAMES) {
      const p = BUILTIN_PROFILES[name];
      expect(p.name).toBe(name);
      expect(p.systemPrompt.length).toBeGreaterThan(40);
      expect(p.routing.defaultProfile).toBe(name === 'documentation' ? 'general' : 'code');
    }
    expect(BUILTIN_PROFILES.typescript.description).toContain('TypeScript / JavaScript');
  });
});

describe('detectProject', () => {
  it.each([
    ['Cargo.toml', 'rust'],
    ['go.mod', 'go'],
    ['tsconfig.json', 'typescript'],
    ['package.json', 'typescript'],
    ['pyproject.toml', 'python'],
    ['setup.py', 'python'],
    ['setup.cfg', 'python'],
    ['requirements.txt', 'python'],
    ['Pipfile', 'python'],
    ['mkdocs.yml', 'documentation'],
    ['docusaurus.config.js', 'documentation'],
    ['docusaurus.config.ts', 'documentation'],
    ['book.toml', 'documentation'],
    ['conf.py', 'documentation'],
  ])('%s means %s', async (marker, profile) => {
    const { home, root } = await project({ [marker]: '' });
    expect(await detectProject(root, { home })).toEqual({ root, profile, marker });
  });

  it.each([
    [['package.json', 'Cargo.toml'], 'rust', 'Cargo.toml'],
    [['package.json', 'go.mod'], 'go', 'go.mod'],
    [['pyproject.toml', 'package.json', 'tsconfig.json'], 'typescript', 'tsconfig.json'],
    [['conf.py', 'setup.py'], 'python', 'setup.py'],
    [['mkdocs.yml', 'requirements.txt'], 'python', 'requirements.txt'],
  ])('in one folder %j, the strongest marker wins', async (markers, profile, marker) => {
    const { home, root } = await project(Object.fromEntries(markers.map((m) => [m, ''])));
    expect(await detectProject(root, { home })).toEqual({ root, profile, marker });
  });

  it('walks up from a nested folder to the project root', async () => {
    const { home, root } = await project({ 'Cargo.toml': '', 'src/bin/deep/': '' });
    expect(await detectProject(join(root, 'src', 'bin', 'deep'), { home })).toEqual({
      root,
      profile: 'rust',
      marker: 'Cargo.toml',
    });
  });

  it('stops at the nearest marker, not the outermost', async () => {
    const { home, root } = await project({ 'package.json': '', 'tools/gen/go.mod': '', 'tools/gen/cmd/': '' });
    expect(await detectProject(join(root, 'tools', 'gen', 'cmd'), { home })).toMatchObject({
      root: join(root, 'tools', 'gen'),
      profile: 'go',
    });
  });

  it('a .git folder (or file) without a marker ends the walk', async () => {
    const { home, root } = await project({
      'package.json': '',
      'vendor/lib/.git/': '',
      'wt/.git': 'gitdir: elsewhere',
      'vendor/lib/a/': '',
    });
    expect(await detectProject(join(root, 'vendor', 'lib', 'a'), { home })).toBeUndefined();
    expect(await detectProject(join(root, 'wt'), { home })).toBeUndefined();
    expect(await detectProject(join(root, 'vendor'), { home })).toMatchObject({ root, profile: 'typescript' });
  });

  it('a folder of mostly Markdown is documentation', async () => {
    const { home, root } = await project({
      'docs/a.md': '',
      'docs/b.mdx': '',
      'docs/c.rst': '',
      'docs/logo.png': '',
      '.git/': '',
    });
    expect(await detectProject(join(root, 'docs'), { home })).toEqual({
      root: join(root, 'docs'),
      profile: 'documentation',
      marker: '*.md',
    });
  });

  it('too few or not mostly Markdown files is not documentation', async () => {
    const few = await project({ 'a.md': '', 'b.md': '', '.git/': '' });
    expect(await detectProject(few.root, { home: few.home })).toBeUndefined();
    const mixed = await project({
      'a.md': '',
      'b.md': '',
      'c.md': '',
      'x.sh': '',
      'y.sh': '',
      'z.sh': '',
      '.git/': '',
    });
    expect(await detectProject(mixed.root, { home: mixed.home })).toBeUndefined();
  });

  it('never treats the home folder as a project, and tolerates missing folders', async () => {
    const { home, root } = await project();
    await writeFile(join(home, 'package.json'), '{}');
    expect(await detectProject(root, { home })).toBeUndefined();
    expect(await detectProject(join(root, 'no', 'such', 'dir'), { home })).toBeUndefined();
  });
});

describe('resolveProject', () => {
  it('uses the detected built-in when there is no project file', async () => {
    const { root, profile } = await resolveIn({ 'pyproject.toml': '', 'pkg/mod/': '' }, 'pkg/mod');
    expect(profile).toEqual({
      name: 'python',
      base: 'python',
      root,
      marker: 'pyproject.toml',
      explicit: false,
      systemPrompt: BUILTIN_PROFILES.python.systemPrompt,
      defaultProfile: 'code',
      tools: { disabled: [] },
      description: 'Python project',
    });
  });

  it('returns undefined when nothing is recognised', async () => {
    expect((await resolveIn({ '.git/': '', 'main.c': '' })).profile).toBeUndefined();
  });

  it('the project file overrides model, prompt, routing and tools', async () => {
    const yaml = [
      'profile: typescript',
      'model: qwen2.5-coder:7b',
      'systemPrompt: "You are helping with a pnpm monorepo."',
      'routing:',
      '  defaultProfile: reasoning',
      'tools:',
      '  enabled: [route_and_generate, list_models]',
      '  disabled: [delete_model]',
    ].join('\n');
    const { root, profile } = await resolveIn({ 'package.json': '', '.ollm/project.yaml': yaml, 'src/': '' }, 'src');
    expect(profile).toMatchObject({
      name: 'typescript',
      base: 'typescript',
      root,
      marker: 'package.json',
      file: join(root, '.ollm', 'project.yaml'),
      model: 'qwen2.5-coder:7b',
      systemPrompt: 'You are helping with a pnpm monorepo.',
      defaultProfile: 'reasoning',
      tools: { enabled: ['route_and_generate', 'list_models'], disabled: ['delete_model'] },
    });
  });

  it('a custom profile name starts from `extends`', async () => {
    const { profile } = await resolveIn({
      'package.json': '',
      '.ollm/project.yaml': 'profile: docs-site\nextends: documentation\n',
    });
    expect(profile).toMatchObject({
      name: 'docs-site',
      base: 'documentation',
      defaultProfile: 'general',
      description: 'docs-site (Documentation project)',
    });
    expect(profile?.systemPrompt).toBe(BUILTIN_PROFILES.documentation.systemPrompt);
  });

  it(
    'a custom profile name without `extends` starts from the detected built-in; a built-in ' +
      '`profile` beats detection',
    async () => {
      const custom = await resolveIn({ 'Cargo.toml': '', '.ollm/project.yaml': 'profile: rust-workspace\n' });
      expect(custom.profile).toMatchObject({ name: 'rust-workspace', base: 'rust' });
      const builtin = await resolveIn({ 'Cargo.toml': '', '.ollm/project.yaml': 'profile: go\n' });
      expect(builtin.profile).toMatchObject({ name: 'go', base: 'go', marker: 'Cargo.toml' });
    },
  );

  it('a project file marks the root even without a marker; an empty one changes nothing', async () => {
    const { root, profile } = await resolveIn({ '.ollm/project.yaml': 'model: llama3.1:8b\n', 'a/b/': '' }, 'a/b');
    expect(profile).toEqual({
      name: 'custom',
      root,
      file: join(root, '.ollm', 'project.yaml'),
      explicit: false,
      model: 'llama3.1:8b',
      tools: { disabled: [] },
      description: 'custom (custom project profile)',
    });
    const empty = await resolveIn({ 'go.mod': '', '.ollm/project.yaml': '# nothing yet\n' });
    expect(empty.profile).toMatchObject({ name: 'go', base: 'go', defaultProfile: 'code' });
  });

  it('--project: a missing folder is an error; a named folder with nothing recognised is a plain project', async () => {
    const { home, root } = await project({ '.git/': '' });
    await expect(
      resolveProject({ dir: join(root, 'missing'), explicit: true, toolNames: TOOLS, home }),
    ).rejects.toThrow(/does not exist.*--project/);
    // named, it is the project even with no marker (its files are the ones to read); found from the working
    // folder, it is none
    expect(await resolveProject({ dir: root, explicit: true, toolNames: TOOLS, home })).toEqual({
      name: 'custom',
      root,
      explicit: true,
      tools: { disabled: [] },
      description: 'custom (a folder named as the project, with no project markers)',
    });
    expect(await resolveProject({ dir: root, toolNames: TOOLS, home })).toBeUndefined();
    await writeFile(join(root, 'go.mod'), '');
    expect(await resolveProject({ dir: root, explicit: true, toolNames: TOOLS, home })).toMatchObject({
      explicit: true,
      base: 'go',
    });
  });
});

describe('project file errors name the file, the key and what is allowed', () => {
  it('unknown top-level key', async () => {
    const { message, file } = await failure({ '.ollm/project.yaml': 'profile: go\nmodle: x\n' });
    expect(message).toContain(file);
    expect(message).toMatch(/unknown key "modle".*profile, extends, model, systemPrompt, routing, tools/);
  });

  it('unknown nested key', async () => {
    const { message } = await failure({ '.ollm/project.yaml': 'tools:\n  enable: [compare]\n' });
    expect(message).toMatch(/unknown key "tools\.enable".*enabled, disabled/);
  });

  it('unknown tool name', async () => {
    const { message, file } = await failure({ '.ollm/project.yaml': 'tools:\n  disabled: [web_fetch]\n' });
    expect(message).toContain(file);
    expect(message).toContain('"tools.disabled" names unknown tool "web_fetch"');
    expect(message).toContain(TOOLS.join(', '));
  });

  it('bad routing profile', async () => {
    const { message } = await failure({ '.ollm/project.yaml': 'routing:\n  defaultProfile: fastest\n' });
    expect(message).toMatch(/"routing\.defaultProfile" = "fastest".*fast, general, code, creative, reasoning, vision/);
  });

  it('bad extends and wrong types', async () => {
    const badBase = await failure({ '.ollm/project.yaml': 'profile: x\nextends: java\n' });
    expect(badBase.message).toMatch(/"extends" = "java".*typescript, python, rust, go, documentation/);
    expect((await failure({ '.ollm/project.yaml': 'tools:\n  enabled: compare\n' })).message).toMatch(
      /"tools\.enabled" = "compare".*expected array/,
    );
    expect((await failure({ '.ollm/project.yaml': 'profile: go\nextends: rust\n' })).message).toMatch(
      /"profile" is the built-in go but "extends" is rust/,
    );
  });

  it('bad YAML gives the line', async () => {
    const { message, file } = await failure({ '.ollm/project.yaml': 'profile: go\nmodel: [unclosed\n' });
    expect(message).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+ is not valid YAML`));
  });

  it('not a mapping', async () => {
    expect((await failure({ '.ollm/project.yaml': '- go\n- rust\n' })).message).toMatch(
      /must hold a mapping.*not a list/,
    );
  });
});

describe('projectFileText', () => {
  const strip = (p: ProjectProfile | undefined) => (p ? { ...p, file: undefined } : p);

  async function roundTrip(files: Record<string, string>): Promise<void> {
    const { home, root } = await project(files);
    const before = await resolveProject({ dir: root, toolNames: TOOLS, home });
    expect(before).toBeDefined();
    await mkdir(join(root, '.ollm'), { recursive: true });
    await writeFile(join(root, '.ollm', 'project.yaml'), projectFileText(before!));
    const after = await resolveProject({ dir: root, toolNames: TOOLS, home });
    expect(strip(after)).toEqual(strip(before));
  }

  it('writes a commented file for a detected project that reads back the same', async () => {
    const { home, root } = await project({ 'package.json': '' });
    const text = projectFileText((await resolveProject({ dir: root, toolNames: TOOLS, home }))!);
    expect(text).toMatch(
      /^# ollm-mcp project profile: TypeScript \/ JavaScript project; detected from package\.json\./,
    );
    expect(text).toContain('profile: typescript\n');
    expect(text).toContain('# model:');
    await roundTrip({ 'package.json': '' });
    await roundTrip({ 'docs/a.md': '', 'b.md': '', 'c.md': '', 'd.md': '' });
  });

  it('keeps overrides and custom names when read back', async () => {
    await roundTrip({
      'Cargo.toml': '',
      '.ollm/project.yaml':
        'profile: rust-workspace\nextends: rust\nmodel: qwen2.5-coder:7b\nsystemPrompt: "Say ' +
        '\\"hi\\": then: # not a comment"\n' +
        'routing:\n  defaultProfile: fast\ntools:\n  enabled: [compare]\n  disabled: [delete_model, pull_model]\n',
    });
    await roundTrip({ '.ollm/project.yaml': 'profile: "true"\nmodel: "123"\ntools:\n  disabled: [list_models]\n' });
  });
});

describe('toolAllowed', () => {
  const base: ProjectProfile = {
    name: 'go',
    root: '/p',
    explicit: false,
    tools: { disabled: [] },
    description: 'Go project',
  };

  it('allows everything without a project or tool lists', () => {
    expect(toolAllowed(undefined, 'delete_model')).toBe(true);
    expect(toolAllowed(base, 'delete_model')).toBe(true);
  });

  it('offers only the enabled tools when there is a list', () => {
    const p = { ...base, tools: { enabled: ['list_models'], disabled: [] } };
    expect(toolAllowed(p, 'list_models')).toBe(true);
    expect(toolAllowed(p, 'compare')).toBe(false);
  });

  it('withholds disabled tools, even when also enabled', () => {
    const p = { ...base, tools: { enabled: ['list_models', 'delete_model'], disabled: ['delete_model'] } };
    expect(toolAllowed(p, 'delete_model')).toBe(false);
    expect(toolAllowed(p, 'list_models')).toBe(true);
    expect(toolAllowed({ ...base, tools: { disabled: ['compare'] } }, 'compare')).toBe(false);
  });
});
