/** The source has no import cycles (type imports included), and the core never imports MCP. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));
}

const files = sources(SRC);
const graph = new Map<string, string[]>();
const external = new Map<string, string[]>();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  graph.set(f, specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts'))).filter((t) => files.includes(t)));
  external.set(f, specs.filter((s) => !s.startsWith('.')));
}

describe('imports', () => {
  it('form no cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((x) => relative(SRC, x)).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('keep MCP out of the core', () => {
    const core = files.filter((f) => relative(SRC, f).startsWith('orchestrator'));
    const offenders = core.filter((f) => (external.get(f) ?? []).some((s) => s.startsWith('@modelcontextprotocol') && !mcpClientAllowed(f, s)) || (graph.get(f) ?? []).some((t) => !relative(SRC, t).startsWith('orchestrator')));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('the one exception: the adapter of another ollm-mcp (engines/ollm/) speaks to it with the MCP SDK client, and only the client', () => {
    expect(mcpClientAllowed(join(SRC, 'orchestrator/engines/ollm/ollm-client.ts'), '@modelcontextprotocol/client')).toBe(true);
    expect(mcpClientAllowed(join(SRC, 'orchestrator/engines/ollm/ollm-client.ts'), '@modelcontextprotocol/server')).toBe(false);
    expect(mcpClientAllowed(join(SRC, 'orchestrator/engines/openai/openai.ts'), '@modelcontextprotocol/client')).toBe(false);
    expect(mcpClientAllowed(join(SRC, 'orchestrator/fleet/fleet-hosts.ts'), '@modelcontextprotocol/client')).toBe(false);
    const users = files.filter((f) => (external.get(f) ?? []).some((s) => s.startsWith('@modelcontextprotocol/client')) && relative(SRC, f).startsWith('orchestrator'));
    expect(users.map((f) => relative(SRC, f))).toEqual(['orchestrator/engines/ollm/ollm-client.ts']);
  });
});

/** Whether `f` may import the MCP package `spec`: only another ollm-mcp's adapter, and only the SDK's client (as only an engine's adapter speaks its client). */
function mcpClientAllowed(f: string, spec: string): boolean {
  return relative(SRC, f).startsWith('orchestrator/engines/ollm/') && (spec === '@modelcontextprotocol/client' || spec.startsWith('@modelcontextprotocol/client/'));
}

/** A source file's path under src/orchestrator, or undefined outside it. */
const inCore = (f: string) => (relative(SRC, f).startsWith('orchestrator/') ? relative(join(SRC, 'orchestrator'), f) : undefined);
/** The assembly: what puts the core together (and the doctor, which reads all of it). */
const ASSEMBLY = new Set(['orchestrator.ts', 'index.ts', 'doctor.ts', 'doctor-memory.ts', 'doctor-learned.ts', 'doctor-agents.ts']);
/** Client packages of the engines: only their adapters speak them. */
const ENGINE_CLIENTS = ['ollama', 'eventsource-parser', '@modelcontextprotocol/client'];

describe('the floors', () => {
  it('nothing below the assembly imports it: the jobs and everything under them take plain parts', () => {
    const offenders = files.flatMap((f) => {
      const at = inCore(f);
      if (at === undefined || ASSEMBLY.has(at)) return [];
      return (graph.get(f) ?? []).filter((t) => ASSEMBLY.has(inCore(t) ?? '')).map((t) => `${at} → ${inCore(t)}`);
    });
    expect(offenders).toEqual([]);
  });

  it('only the adapters (engines/<kind>/) speak an engine client', () => {
    // import statements only (a message may well say "from \"ollama\"")
    const packages = (f: string) => [...readFileSync(f, 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    const offenders = files.filter((f) => !/^orchestrator\/engines\/[^/]+\//.test(relative(SRC, f)) && packages(f).some((s) => ENGINE_CLIENTS.includes(s)));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('outside the engines, only the fleet builder and the assembly pick an adapter; everything else works through the host interface', () => {
    const pickers = new Set(['fleet/fleet-hosts.ts', ...ASSEMBLY]);
    const offenders = files.flatMap((f) => {
      const at = inCore(f) ?? relative(SRC, f);
      if (at.startsWith('engines/') || pickers.has(at)) return [];
      return (graph.get(f) ?? []).filter((t) => /^engines\/[^/]+\//.test(inCore(t) ?? '')).map((t) => `${at} → ${inCore(t)}`);
    });
    expect(offenders).toEqual([]);
  });

  it('tools and resources are siblings: neither imports the other, and what both show (src/presenting) imports neither', () => {
    const folder = (f: string) => relative(SRC, f).split('/')[0];
    const forbidden: Record<string, string[]> = { tools: ['resources'], resources: ['tools'], presenting: ['tools', 'resources', 'server'] };
    const offenders = files.flatMap((f) => {
      const banned = forbidden[folder(f) ?? ''] ?? [];
      return (graph.get(f) ?? []).filter((t) => banned.includes(folder(t) ?? '')).map((t) => `${relative(SRC, f)} → ${relative(SRC, t)}`);
    });
    expect(offenders).toEqual([]);
  });

  it('the jobs depend on the host interface, never on an Orchestrator', () => {
    const jobs = files.filter((f) => (inCore(f) ?? '').startsWith('jobs/'));
    expect(jobs.length).toBeGreaterThan(5);
    const offenders = jobs.filter((f) => /\bOrchestrator\b/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });
});
