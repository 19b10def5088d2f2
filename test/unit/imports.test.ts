/**
 * The source has no import cycles (type imports included), the core never imports MCP, and every
 * import goes down the floors of docs/architecture.md (FLOORS), never up nor sideways.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

const files = sources(SRC);
const graph = new Map<string, string[]>();
const external = new Map<string, string[]>();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  graph.set(
    f,
    specs
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts')))
      .filter((t) => files.includes(t)),
  );
  external.set(
    f,
    specs.filter((s) => !s.startsWith('.')),
  );
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
    const offenders = core.filter(
      (f) =>
        (external.get(f) ?? []).some((s) => s.startsWith('@modelcontextprotocol') && !mcpClientAllowed(f, s)) ||
        (graph.get(f) ?? []).some((t) => !relative(SRC, t).startsWith('orchestrator')),
    );
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it(
    'the one exception: the adapter of another ollm-mcp (engines/ollm/) speaks to it with the ' +
      'MCP SDK client, and only the client',
    () => {
      expect(
        mcpClientAllowed(join(SRC, 'orchestrator/engines/ollm/ollm-client.ts'), '@modelcontextprotocol/client'),
      ).toBe(true);
      expect(
        mcpClientAllowed(join(SRC, 'orchestrator/engines/ollm/ollm-client.ts'), '@modelcontextprotocol/server'),
      ).toBe(false);
      expect(mcpClientAllowed(join(SRC, 'orchestrator/engines/openai/openai.ts'), '@modelcontextprotocol/client')).toBe(
        false,
      );
      expect(mcpClientAllowed(join(SRC, 'orchestrator/fleet/fleet-hosts.ts'), '@modelcontextprotocol/client')).toBe(
        false,
      );
      const users = files.filter(
        (f) =>
          (external.get(f) ?? []).some((s) => s.startsWith('@modelcontextprotocol/client')) &&
          relative(SRC, f).startsWith('orchestrator'),
      );
      expect(users.map((f) => relative(SRC, f))).toEqual(['orchestrator/engines/ollm/ollm-client.ts']);
    },
  );
});

/**
 * Whether `f` may import the MCP package `spec`: only another ollm-mcp's adapter, and only the SDK's client
 * (as only an engine's adapter speaks its client).
 */
function mcpClientAllowed(f: string, spec: string): boolean {
  return (
    relative(SRC, f).startsWith('orchestrator/engines/ollm/') &&
    (spec === '@modelcontextprotocol/client' || spec.startsWith('@modelcontextprotocol/client/'))
  );
}

/** A source file's path under src/orchestrator, or undefined outside it. */
const inCore = (f: string) =>
  relative(SRC, f).startsWith('orchestrator/') ? relative(join(SRC, 'orchestrator'), f) : undefined;
/** The assembly: what puts the core together (and the doctor, which reads all of it). */
const ASSEMBLY = new Set([
  'orchestrator.ts',
  'orchestrator-stores.ts',
  'index.ts',
  'doctor.ts',
  'doctor-memory.ts',
  'doctor-learned.ts',
  'doctor-agents.ts',
  'doctor-hosts.ts',
  'doctor-engines.ts',
]);
/**
 * An adapter: a folder of engines/ named for an engine kind (engines/engine.ts EngineKind). engines/holds/ is none:
 * the holds a planner lends the servers relaying to it, spoken by the claim's door (server/shared/hold-door.ts).
 */
const ADAPTER = /^engines\/(ollama|llamacpp|openai|ollm)\//;
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
    const packages = (f: string) =>
      [...readFileSync(f, 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    const offenders = files.filter(
      (f) =>
        !/^orchestrator\/engines\/[^/]+\//.test(relative(SRC, f)) &&
        packages(f).some((s) => ENGINE_CLIENTS.includes(s)),
    );
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it(
    'outside the engines, only the fleet builder and the assembly pick an adapter; everything ' +
      'else works through the host interface',
    () => {
      const pickers = new Set(['fleet/fleet-hosts.ts', ...ASSEMBLY]);
      const offenders = files.flatMap((f) => {
        const at = inCore(f) ?? relative(SRC, f);
        if (at.startsWith('engines/') || pickers.has(at)) return [];
        return (graph.get(f) ?? []).filter((t) => ADAPTER.test(inCore(t) ?? '')).map((t) => `${at} → ${inCore(t)}`);
      });
      expect(offenders).toEqual([]);
    },
  );

  it(
    'tools and resources are siblings: neither imports the other, and what both show ' +
      '(src/presenting) imports neither',
    () => {
      const folder = (f: string) => relative(SRC, f).split('/')[0];
      const forbidden: Record<string, string[]> = {
        tools: ['resources'],
        resources: ['tools'],
        presenting: ['tools', 'resources', 'server'],
      };
      const offenders = files.flatMap((f) => {
        const banned = forbidden[folder(f) ?? ''] ?? [];
        return (graph.get(f) ?? [])
          .filter((t) => banned.includes(folder(t) ?? ''))
          .map((t) => `${relative(SRC, f)} → ${relative(SRC, t)}`);
      });
      expect(offenders).toEqual([]);
    },
  );

  it('the jobs depend on the host interface, never on an Orchestrator', () => {
    const jobs = files.filter((f) => (inCore(f) ?? '').startsWith('jobs/'));
    expect(jobs.length).toBeGreaterThan(5);
    const offenders = jobs.filter((f) => /\bOrchestrator\b/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });
});

/**
 * The floors of docs/architecture.md, top first: a folder of src/ (of src/orchestrator: its
 * `orchestrator/…` folders, and `orchestrator` the assembly — the files directly in it) imports only
 * from folders on floors below its own. Folders on one floor are siblings: neither imports the other.
 */
const FLOORS: readonly (readonly string[])[] = [
  ['server'],
  ['tools', 'resources'],
  ['presenting', 'prompts', 'views'],
  ['orchestrator'],
  ['orchestrator/jobs'],
  ['orchestrator/route'],
  ['orchestrator/fleet'],
  ['orchestrator/stores', 'orchestrator/memory', 'orchestrator/inputs'],
  ['orchestrator/generation'],
  ['orchestrator/models'],
  ['orchestrator/loading'],
  ['orchestrator/engines'],
  ['orchestrator/project', 'orchestrator/templates', 'orchestrator/savings', 'orchestrator/storage'],
  ['orchestrator/progress'],
  ['orchestrator/config'],
  ['orchestrator/util'],
];

/** The folder whose floor a file (its path under src/) is on: `orchestrator/engines` for engines/ollama/x.ts there. */
function folderOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'orchestrator') return parts[0]!;
  return parts.length > 2 ? `orchestrator/${parts[1]}` : 'orchestrator';
}

/**
 * Every import that does not go down the floors (`graph`: each file's path under src/ to the paths
 * it imports): to a floor above, to a sibling on its own floor, or from or to a folder on no floor.
 */
function climbs(graph: ReadonlyMap<string, readonly string[]>, floors: readonly (readonly string[])[] = FLOORS) {
  const floor = new Map(floors.flatMap((folders, i) => folders.map((f) => [f, i] as const)));
  const out: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const [a, b] = [folderOf(from), folderOf(to)];
      if (a === b) continue;
      const [fa, fb] = [floor.get(a), floor.get(b)];
      if (fa === undefined || fb === undefined || fb <= fa) out.push(`${from} → ${to}`);
    }
  }
  return out;
}

describe('the floors, in order (FLOORS)', () => {
  const rel = new Map([...graph].map(([f, ts]) => [relative(SRC, f), ts.map((t) => relative(SRC, t))]));

  it('every import goes down: none to a floor above, none to a sibling (type imports included)', () => {
    // a type-only import is in the graph: compare-parts.ts has `import type { ModelSummary } from '../models/…'`
    expect(rel.get('orchestrator/generation/compare-parts.ts')).toContain('orchestrator/models/overview-types.ts');
    expect(climbs(rel)).toEqual([]);
  });

  it('every folder of src/ and src/orchestrator is on a floor', () => {
    const listed = new Set(FLOORS.flat());
    expect([...new Set([...rel.keys()].map(folderOf))].filter((f) => !listed.has(f))).toEqual([]);
  });

  it('the check bites: a climb, a sideways import and an unplaced folder are flagged; a descent is not', () => {
    const crafted = new Map([
      ['orchestrator/models/catalog.ts', ['orchestrator/loading/planner.ts', 'orchestrator/models/model-db.ts']],
      ['orchestrator/loading/planner.ts', ['orchestrator/models/catalog.ts', 'orchestrator/util/log.ts']],
      ['tools/compare.ts', ['resources/views.ts', 'presenting/fleet.ts', 'orchestrator/index.ts']],
      ['orchestrator/elsewhere/x.ts', ['orchestrator/util/log.ts']],
    ]);
    expect(climbs(crafted)).toEqual([
      'orchestrator/loading/planner.ts → orchestrator/models/catalog.ts',
      'tools/compare.ts → resources/views.ts',
      'orchestrator/elsewhere/x.ts → orchestrator/util/log.ts',
    ]);
  });

  it('the six climbs issue 74 found would each fail it', () => {
    const six: Array<[string, string]> = [
      ['orchestrator/loading/loader.ts', 'orchestrator/models/catalog.ts'],
      ['orchestrator/engines/llamacpp/llamacpp.ts', 'orchestrator/models/model-db.ts'],
      ['orchestrator/config/schema.ts', 'orchestrator/models/profiles.ts'],
      ['orchestrator/progress/phases.ts', 'orchestrator/loading/load-estimate.ts'],
      ['orchestrator/generation/compare-parts.ts', 'orchestrator/inputs/split.ts'],
      ['tools/arg-bounds.ts', 'server/limits.ts'],
    ];
    for (const [from, to] of six) expect(climbs(new Map([[from, [to]]])), from).toEqual([`${from} → ${to}`]);
  });
});
