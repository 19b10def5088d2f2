/**
 * The Claude Code plugin in the repository (issues 46, 54): `plugin/.claude-plugin/plugin.json`
 * names this package at its version, and its MCP server entry runs the plugin's own launcher by
 * `${CLAUDE_PLUGIN_ROOT}` — never a package name no registry has, never a path outside the copy
 * Claude Code makes; the launcher installs the libsql version this package depends on; the skills
 * the build stages there are the repository's `skills/<name>/SKILL.md`, each with its own name;
 * the marketplace file at the repository's root lists the plugin folder, not the whole checkout.
 * (The plugin started from a copy of its folder: test/e2e/plugin.test.ts.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};
const readJson = (rel: string) => JSON.parse(readFileSync(join(ROOT, rel), 'utf8')) as Record<string, unknown>;

interface ServerEntry {
  command?: unknown;
  args?: unknown;
}

/**
 * Whether a plugin's MCP server entry runs the launcher inside the plugin:
 * `node ${CLAUDE_PLUGIN_ROOT}/start.mjs`, nothing else.
 */
function runsThePlugin(entry: ServerEntry): boolean {
  const args = Array.isArray(entry.args) ? entry.args.filter((a): a is string => typeof a === 'string') : [];
  return entry.command === 'node' && args.length >= 1 && args[0] === '${CLAUDE_PLUGIN_ROOT}/start.mjs';
}

describe('the Claude Code plugin', () => {
  const manifest = readJson('plugin/.claude-plugin/plugin.json');

  it('is this package at its version, with a description', () => {
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(String(manifest.description).length).toBeGreaterThan(20);
  });

  it('has one MCP server entry, and it runs the launcher inside the plugin by ${CLAUDE_PLUGIN_ROOT}', () => {
    const servers = manifest.mcpServers as Record<string, ServerEntry>;
    expect(Object.keys(servers)).toHaveLength(1);
    for (const entry of Object.values(servers)) expect(runsThePlugin(entry), JSON.stringify(entry)).toBe(true);
    expect(existsSync(join(ROOT, 'plugin', 'start.mjs'))).toBe(true);
  });

  it('installs the libsql version this package depends on, and is read as ES modules', () => {
    const own = readJson('plugin/package.json') as { type: string; dependencies: Record<string, string> };
    expect(own.type).toBe('module');
    expect(own.dependencies).toEqual({
      libsql: (readJson('package.json') as { dependencies: Record<string, string> }).dependencies.libsql,
    });
  });

  it('gets the repository skills/<name>/SKILL.md at its root (the build stages them), each named as its folder', () => {
    expect(manifest.skills).toBeUndefined(); // the default place: skills/ at the plugin's root
    const names = readdirSync(join(ROOT, 'skills'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(names).toContain('offloading');
    for (const name of names) {
      const file = join(ROOT, 'skills', name, 'SKILL.md');
      expect(existsSync(file), file).toBe(true);
      const front = /^---\n([\s\S]*?)\n---\n/.exec(readFileSync(file, 'utf8'));
      expect((parse(front?.[1] ?? '') as { name?: string } | null)?.name).toBe(name);
    }
  });

  it('is listed by the marketplace file at the repository root', () => {
    const market = readJson('.claude-plugin/marketplace.json') as {
      name: string;
      owner: { name: string };
      plugins: Array<{ name: string; source: string }>;
    };
    expect(market.owner.name).toBeTruthy();
    expect(market.plugins).toEqual([expect.objectContaining({ name: manifest.name, source: './plugin' })]);
    // the checkout itself is no plugin: installing it copied node_modules
    expect(existsSync(join(ROOT, '.claude-plugin', 'plugin.json'))).toBe(false);
  });
});

describe('what runs the plugin', () => {
  it('is node with the launcher at ${CLAUDE_PLUGIN_ROOT}', () => {
    expect(runsThePlugin({ command: 'node', args: ['${CLAUDE_PLUGIN_ROOT}/start.mjs'] })).toBe(true);
  });

  it('is not npx of a package name, a path outside the plugin, another file, or another command', () => {
    expect(runsThePlugin({ command: 'npx', args: ['-y', 'ollm-mcp'] })).toBe(false);
    expect(runsThePlugin({ command: 'node', args: ['/home/me/ollm-mcp/dist/cli.js'] })).toBe(false);
    expect(runsThePlugin({ command: 'node', args: ['${CLAUDE_PLUGIN_ROOT}/dist/other.js'] })).toBe(false);
    expect(runsThePlugin({ command: 'node', args: [] })).toBe(false);
    expect(runsThePlugin({ command: 'bash', args: ['-c', 'node ${CLAUDE_PLUGIN_ROOT}/start.mjs'] })).toBe(false);
  });
});
