import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type FlagSetting } from '../../src/orchestrator/config/index.js';
import { settingsSchema, TOOLSET_NAMES } from '../../src/orchestrator/config/schema.js';
import type { ProjectProfile } from '../../src/orchestrator/project/project.js';
import { parseCli } from '../../src/server/args.js';
import { USAGE } from '../../src/server/usage.js';
import { instructionsFor, offeredTools } from '../../src/server/create-server.js';
import { recordCatalog } from '../../src/server/core.js';
import { TOOLS } from '../../src/tools/index.js';
import { TOOLSETS, toolsInSets } from '../../src/tools/toolsets.js';
import { tempDir } from '../helpers/temp.js';

const ALL_TOOLS = TOOLS.map((t) => t.toolName);
const CATALOG = recordCatalog();

async function load(opts: { yaml?: string; flags?: FlagSetting[] } = {}) {
  const home = tempDir('ollm-toolsets-');
  if (opts.yaml !== undefined) writeFileSync(join(home, 'config.yaml'), opts.yaml);
  return loadConfig({ env: { OLLM_HOME: home }, flags: opts.flags ?? [] });
}

async function refusal(opts: Parameters<typeof load>[0]): Promise<string> {
  const err = await load(opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as Error).message;
}

function project(tools: ProjectProfile['tools']): ProjectProfile {
  return { name: 'p', root: '/srv/p', explicit: false, tools, description: 'p (custom project profile)' };
}

const offered = (toolsets: string[], profile?: ProjectProfile) =>
  offeredTools(CATALOG.tools, {
    settings: settingsSchema.parse({ toolsets }),
    ...(profile && { project: profile }),
  }).map((t) => t.name);

describe('the toolsets', () => {
  it('put every tool the server has in exactly one set, and name no other tool', () => {
    const listed = Object.values(TOOLSETS).flat();
    expect([...listed].sort()).toEqual([...ALL_TOOLS].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('are the names the setting accepts, with all', () => {
    expect([...TOOLSET_NAMES]).toEqual(['all', ...Object.keys(TOOLSETS)]);
  });

  it('toolsInSets gives the tools of the chosen sets together; all is every tool', () => {
    expect([...toolsInSets(['offload', 'memory'])].sort()).toEqual([
      'compare',
      'forget',
      'prefer_model',
      'rate_answer',
      'recall',
      'remember',
      'route_and_generate',
    ]);
    expect([...toolsInSets(['status'])]).toEqual(['show_status']);
    expect([...toolsInSets(['templates', 'templates'])].sort()).toEqual(['render_template', 'save_template']);
    expect([...toolsInSets(['all'])].sort()).toEqual([...ALL_TOOLS].sort());
    expect([...toolsInSets(['memory', 'all'])].sort()).toEqual([...ALL_TOOLS].sort());
    expect(toolsInSets([]).size).toBe(0);
    expect(toolsInSets(['nope', 'constructor', '__proto__']).size).toBe(0);
  });
});

describe('the toolsets setting', () => {
  it('defaults to all: every tool is offered', async () => {
    const c = await load();
    expect(c.settings.toolsets).toEqual(['all']);
    expect(offered(c.settings.toolsets)).toEqual(ALL_TOOLS);
  });

  it('is read from the settings file and from --toolsets (comma-separated, the flag winning)', async () => {
    const fromFile = await load({ yaml: 'toolsets: [models, status]\n' });
    expect(fromFile.settings.toolsets).toEqual(['models', 'status']);
    const flags = parseCli(['--toolsets', ' offload, memory ,']).flags;
    expect(flags).toEqual([{ path: 'toolsets', value: ['offload', 'memory'], flag: '--toolsets' }]);
    const both = await load({ yaml: 'toolsets: [models]\n', flags });
    expect(both.settings.toolsets).toEqual(['offload', 'memory']);
    expect(both.sources.toolsets).toBe('flag --toolsets');
  });

  it('refuses an unknown set name, naming the key, where it came from and the valid names', async () => {
    const valid = '"all", "offload", "models", "memory", "templates", "status"';
    expect(await refusal({ flags: parseCli(['--toolsets', 'offload,memroy']).flags })).toBe(
      `Invalid setting toolsets.1 = "memroy" (from flag --toolsets): expected one of ${valid}.`,
    );
    expect(await refusal({ yaml: 'toolsets: [everything]\n' })).toMatch(
      new RegExp(
        `^Invalid setting toolsets\\.0 = "everything" \\(from .*config\\.yaml\\): expected one of ${valid}\\.$`,
      ),
    );
  });

  it('refuses an empty list (a server with no tools) and a bare name where a list is wanted', async () => {
    expect(await refusal({ flags: parseCli(['--toolsets', ',']).flags })).toBe(
      'Invalid setting toolsets = [] (from flag --toolsets): name at least one toolset: all, ' +
        'offload, models, memory, templates, status.',
    );
    expect(await refusal({ yaml: 'toolsets: offload\n' })).toMatch(
      /^Invalid setting toolsets = "offload" \(from .*config\.yaml\): expected array/,
    );
  });

  it('is in --help', () => {
    expect(USAGE).toMatch(/\n {2}--toolsets SETS {8}The tools offered, by set/);
  });
});

describe('the tools a server offers', () => {
  it('are those of the chosen sets, in the usual order', () => {
    expect(offered(['offload', 'memory'])).toEqual([
      'route_and_generate',
      'compare',
      'prefer_model',
      'rate_answer',
      'remember',
      'recall',
      'forget',
    ]);
    expect(offered(['status'])).toEqual(['show_status']);
  });

  it("with the project's tool lists applied on top", () => {
    expect(offered(['offload', 'memory'], project({ disabled: ['compare', 'forget'] }))).toEqual([
      'route_and_generate',
      'prefer_model',
      'rate_answer',
      'remember',
      'recall',
    ]);
    // enabled names a tool of a set not chosen: still not offered
    expect(offered(['memory'], project({ enabled: ['recall', 'list_models'], disabled: [] }))).toEqual(['recall']);
    expect(offered(['all'], project({ enabled: ['list_models', 'show_status'], disabled: [] }))).toEqual([
      'list_models',
      'show_status',
    ]);
  });

  it("and the server's instructions speak only of the tools offered", () => {
    const everything = instructionsFor(new Set(ALL_TOOLS));
    for (const tool of [
      'route_and_generate',
      'list_models',
      'smart_load',
      'unload_model',
      'remember',
      'render_template',
      'save_template',
    ])
      expect(everything).toContain(tool);
    expect(everything.split('\n')).toHaveLength(3);

    const some = instructionsFor(toolsInSets(['memory']));
    expect(some).toContain('remember / recall / forget');
    expect(some).not.toMatch(/list_models|smart_load|render_template|route_and_generate runs/);

    const none = instructionsFor(toolsInSets(['status'])).split('\n');
    expect(none).toHaveLength(2);
    expect(none[0]).toMatch(/^ollm-mcp runs work on local Ollama models/);
    expect(none[1]).toMatch(/^Resources: ollm:\/\/system\/ram/);
  });

  it('and they point at the offloading skill when it is served and route_and_generate is offered, and only then', () => {
    expect(instructionsFor(new Set(ALL_TOOLS), true)).toContain('skill://offloading/SKILL.md');
    expect(instructionsFor(new Set(ALL_TOOLS), true).split('\n')).toHaveLength(4);
    expect(instructionsFor(new Set(ALL_TOOLS), false)).not.toContain('skill://');
    expect(instructionsFor(toolsInSets(['memory']), true)).not.toContain('skill://');
  });
});
