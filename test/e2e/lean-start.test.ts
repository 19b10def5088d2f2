/**
 * A starting server loads only its front: the SDK, the settings, the templates and the catalog the
 * build recorded. The core — the orchestrator and every tool's code — is a chunk loaded by the
 * first call (or soon after start), so initialize and the lists are answered without it; and a
 * server whose core cannot be loaded still lists everything and answers each call with the cause
 * and the next step.
 */
import { cpSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, E2E_TRANSPORT, serverEnv, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const DIST = join(CLI, '..');

/**
 * The files of the build, as esbuild reads dist/cli.js and what it imports: those Node loads to
 * start (static imports, followed) and all of them (dynamic imports too).
 */
async function builtFiles(): Promise<{ startup: string[]; all: string[]; withCore: string[]; forwarding: string[] }> {
  const result = await build({
    entryPoints: [CLI],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    outdir: tempDir('ollm-lean-'),
    splitting: true,
    external: ['libsql'],
    logLevel: 'silent',
  });
  const inputs = result.metafile.inputs;
  const closure = (kinds: string[], from = (f: string) => f.endsWith('dist/cli.js')) => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file) || !inputs[file]) return;
      seen.add(file);
      for (const i of inputs[file].imports) if (kinds.includes(i.kind) && !i.external) visit(i.path);
    };
    for (const f of Object.keys(inputs).filter(from)) visit(f);
    return [...seen].map((f) => relative(DIST, join(process.cwd(), f))).filter((f) => f.endsWith('.js'));
  };
  // what loading the core loads with it (its static imports)
  const withCore = closure(['import-statement'], (f) => /dist\/chunks\/core-[^/]+\.js$/.test(f));
  // what a launch that forwards loads: the start, then the launch's chunk and its static imports
  const forwarding = closure(
    ['import-statement'],
    (f) => f.endsWith('dist/cli.js') || /dist\/chunks\/launch-[^/]+\.js$/.test(f),
  );
  return {
    startup: closure(['import-statement']),
    all: closure(['import-statement', 'dynamic-import']),
    withCore,
    forwarding,
  };
}

describe.skipIf(E2E_TRANSPORT !== 'stdio')('a lean start', () => {
  it('loads neither the core nor the HTTP and system-reading code to start, and a fraction of the whole', async () => {
    const { startup, all } = await builtFiles();
    const size = (files: string[]) => files.reduce((s, f) => s + statSync(join(DIST, f)).size, 0);
    const core = all.filter((f) => /^chunks\/core-/.test(f));
    expect(core).toHaveLength(1);
    expect(startup).toContain('cli.js');
    expect(startup).not.toContain(core[0]);
    for (const lazy of ['http', 'gather', 'sse', 'run-command']) {
      expect(all.some((f) => f.startsWith(`chunks/${lazy}-`))).toBe(true);
      expect(startup.some((f) => f.startsWith(`chunks/${lazy}-`))).toBe(false);
    }
    expect(size(startup) / size(all)).toBeLessThan(0.45);
  });

  it(
    "a forwarding stdio launch loads none of the shared server's code (the daemon's chunk, the " +
      'core), nor zod: what it loads stays small',
    async () => {
      const { all, forwarding } = await builtFiles();
      const daemon = all.filter((f) => /^chunks\/daemon-/.test(f));
      expect(daemon).toHaveLength(1);
      expect(forwarding.some((f) => /^chunks\/launch-/.test(f))).toBe(true);
      expect(forwarding).not.toContain(daemon[0]);
      expect(forwarding.some((f) => /^chunks\/(core|serving|stdio)-/.test(f))).toBe(false);
      const size = (files: string[]) => files.reduce((s, f) => s + statSync(join(DIST, f)).size, 0);
      expect(size(forwarding) / size(all)).toBeLessThan(0.03);
      // nor zod (the settings' schema, the hello's): a launch started as one before forwards from its memo
      // (shared/memo.ts)
      expect(forwarding.filter((f) => readFileSync(join(DIST, f), 'utf8').includes('Invalid input'))).toEqual([]);
      expect(all.filter((f) => readFileSync(join(DIST, f), 'utf8').includes('Invalid input')).length).toBeGreaterThan(
        0,
      );
    },
  );

  it(
    "is Latin-1 throughout, so V8 holds each module's source at one byte a character (regular " +
      'expressions keep theirs as \\u escapes)',
    async () => {
      const { all } = await builtFiles();
      const wide = all.filter((f) => /[^\x00-\xff]/.test(readFileSync(join(DIST, f), 'utf8')));
      expect(wide).toEqual([]);
      const core = all.find((f) => /^chunks\/core-/.test(f))!;
      // degenerate.ts: a sentence's end in CJK
      expect(readFileSync(join(DIST, core), 'utf8')).toContain('[\\u3002\\uff01\\uff1f]');
    },
  );

  it("carries zod's English messages alone, not its ~50 other languages", async () => {
    const { all } = await builtFiles();
    const text = all.map((f) => readFileSync(join(DIST, f), 'utf8')).join('\n');
    expect(text).toContain('Invalid input'); // zod's English
    expect(text).not.toContain('Ungültige Eingabe'); // its German
  });

  it('loads Ajv, which checks structured answers, only for a call that asks for a format: not with the core', async () => {
    const { startup, all, withCore } = await builtFiles();
    expect(withCore.some((f) => /^chunks\/core-/.test(f))).toBe(true);
    const ajv = all.filter((f) => f.startsWith('chunks/schema-check-'));
    expect(ajv).toHaveLength(1);
    expect(withCore).not.toContain(ajv[0]);
    // RE2, which matches the schema's patterns and slow globs (issue 55), is loaded by neither the start nor the core
    const re2 = all.filter((f) => readFileSync(join(DIST, f), 'utf8').includes('invalid or unsupported Perl syntax'));
    expect(re2).toHaveLength(1);
    expect(startup).not.toContain(re2[0]);
    expect(withCore).not.toContain(re2[0]);
  });

  describe('a server whose core cannot be loaded', () => {
    const dir = tempDir('ollm-lean-dist-');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('lists every tool, resource and prompt, and answers a call with the cause and the next step', async () => {
      cpSync(DIST, dir, { recursive: true });
      for (const f of readdirSync(join(dir, 'chunks'))) if (f.startsWith('core-')) rmSync(join(dir, 'chunks', f));
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [join(dir, 'cli.js')],
        env: serverEnv({ OLLM_HOME: tempHome(), OLLAMA_HOST: '127.0.0.1:9' }),
        stderr: 'pipe',
      });
      const client = new Client({ name: 'lean', version: '1' });
      await client.connect(transport);
      try {
        expect((await client.listTools()).tools.length).toBe(17);
        expect((await client.listResources()).resources.map((r) => r.uri)).toContain('ollm://metrics');
        expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toContain(
          'ollm://models/{+name}',
        );
        expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0);
        const r = await client.callTool({ name: 'recall', arguments: { query: 'anything' } });
        expect(r.isError).toBe(true);
        const text = (r.content as Array<{ text: string }>)[0]!.text;
        expect(text).toMatch(/could not load its core/);
        expect(text).toMatch(/reinstall ollm-mcp/);
        // still serving
        expect((await client.listTools()).tools.length).toBe(17);
      } finally {
        await client.close();
      }
    });
  });
});
