/**
 * The Claude Code plugin in the repository (issue 46): `.claude-plugin/plugin.json` names this
 * package at its version, its MCP server entry runs this server, and the skills it ships —
 * `skills/<name>/SKILL.md` at the plugin's root — exist with their own names; the marketplace
 * file lists the plugin at the repository's root.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };
const readJson = (rel: string) => JSON.parse(readFileSync(join(ROOT, rel), 'utf8')) as Record<string, unknown>;

interface ServerEntry {
  command?: unknown;
  args?: unknown;
}

/** Whether an MCP server entry runs this package's server: `npx -y <name>`, or `node <…/bin path>`. */
function runsThisServer(entry: ServerEntry, p: typeof pkg): boolean {
  const args = Array.isArray(entry.args) ? entry.args.filter((a): a is string => typeof a === 'string') : [];
  if (entry.command === 'npx') return args.includes('-y') && args.filter((a) => !a.startsWith('-')).at(0) === p.name;
  if (entry.command === 'node') return args.length > 0 && Object.values(p.bin).some((bin) => args[0]!.endsWith(bin.replace(/^\.\//, '')));
  return false;
}

describe('the Claude Code plugin', () => {
  const manifest = readJson('.claude-plugin/plugin.json');

  it('is this package at its version, with a description', () => {
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(String(manifest.description).length).toBeGreaterThan(20);
  });

  it('has one MCP server entry, and it runs this server', () => {
    const servers = manifest.mcpServers as Record<string, ServerEntry>;
    expect(Object.keys(servers)).toHaveLength(1);
    for (const entry of Object.values(servers)) expect(runsThisServer(entry, pkg), JSON.stringify(entry)).toBe(true);
  });

  it('ships skills/<name>/SKILL.md at its root, each named as its folder, the offloading skill among them', () => {
    expect(manifest.skills).toBeUndefined(); // the default place: skills/ at the plugin's root
    const names = readdirSync(join(ROOT, 'skills'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(names).toContain('offloading');
    for (const name of names) {
      const file = join(ROOT, 'skills', name, 'SKILL.md');
      expect(existsSync(file), file).toBe(true);
      const front = /^---\n([\s\S]*?)\n---\n/.exec(readFileSync(file, 'utf8'));
      expect((parse(front?.[1] ?? '') as { name?: string } | null)?.name).toBe(name);
    }
  });

  it('is listed by the marketplace file at the repository root', () => {
    const market = readJson('.claude-plugin/marketplace.json') as { name: string; owner: { name: string }; plugins: Array<{ name: string; source: string }> };
    expect(market.owner.name).toBeTruthy();
    expect(market.plugins).toEqual([expect.objectContaining({ name: manifest.name, source: './' })]);
  });
});

describe('what runs this server', () => {
  it('is npx -y with the package name, or node with the path of its bin', () => {
    expect(runsThisServer({ command: 'npx', args: ['-y', 'ollm-mcp'] }, pkg)).toBe(true);
    expect(runsThisServer({ command: 'node', args: ['/home/me/ollm-mcp/dist/cli.js'] }, pkg)).toBe(true);
  });

  it('is not another package, npx that would stop to ask, another file, or another command', () => {
    expect(runsThisServer({ command: 'npx', args: ['-y', 'ollama-mcp'] }, pkg)).toBe(false);
    expect(runsThisServer({ command: 'npx', args: ['ollm-mcp'] }, pkg)).toBe(false);
    expect(runsThisServer({ command: 'node', args: ['/home/me/ollm-mcp/dist/other.js'] }, pkg)).toBe(false);
    expect(runsThisServer({ command: 'node', args: [] }, pkg)).toBe(false);
    expect(runsThisServer({ command: 'bash', args: ['-c', 'npx -y ollm-mcp'] }, pkg)).toBe(false);
  });
});
