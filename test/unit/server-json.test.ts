/**
 * server.json, the MCP Registry entry: valid against the registry's schema (a copy of
 * https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json in test/fixtures,
 * so no network is needed), in step with package.json, and naming only environment variables the
 * server reads.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, addFormats } from '@modelcontextprotocol/server/validators/ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_VARS, loadConfig } from '../../src/orchestrator/config/index.js';

const root = join(import.meta.dirname, '../..');
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;

interface EnvVar {
  name: string;
  description?: string;
  isRequired?: boolean;
  isSecret?: boolean;
  default?: string;
  choices?: string[];
}
interface Package {
  registryType: string;
  identifier: string;
  version?: string;
  fileSha256?: string;
  transport: { type: string };
  environmentVariables?: EnvVar[];
}
interface ServerJson {
  $schema: string;
  name: string;
  description: string;
  version: string;
  packages: Package[];
}

const server = readJson('server.json') as unknown as ServerJson;
const pkg = readJson('package.json') as { name: string; version: string; mcpName?: string };
const schema = readJson('test/fixtures/registry-server.schema.json');

/** Every environment variable the server reads: the settings' (ENV_VARS) and any `env.NAME` in its source. */
function variablesRead(): Set<string> {
  const names = new Set<string>(ENV_VARS);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]!);
      }
    }
  };
  walk(join(root, 'src'));
  return names;
}

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe('server.json (MCP Registry entry)', () => {
  it('is valid against the registry schema it names', () => {
    expect(server.$schema).toBe(schema.$id);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(server);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('names the same server and version as package.json', () => {
    expect(pkg.mcpName).toBe(server.name);
    expect(server.name).toMatch(/^io\.github\.[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/);
    expect(server.version).toBe(pkg.version);
    for (const p of server.packages) expect(p.version, p.registryType).toBe(pkg.version);
  });

  it('offers the npm package over stdio', () => {
    const npm = server.packages.find((p) => p.registryType === 'npm');
    expect(npm).toMatchObject({ identifier: pkg.name, transport: { type: 'stdio' } });
  });

  it('offers the Claude Desktop bundle from the GitHub release of this version, with a SHA-256', () => {
    const mcpb = server.packages.find((p) => p.registryType === 'mcpb');
    const [, owner, repo] = /^io\.github\.([^/]+)\/(.+)$/.exec(server.name)!;
    expect(mcpb).toMatchObject({ transport: { type: 'stdio' } });
    expect(mcpb!.identifier).toBe(
      `https://github.com/${owner}/${repo}/releases/download/v${pkg.version}/ollm-mcp.mcpb`,
    );
    expect(mcpb!.identifier).toContain('mcp'); // the registry requires it in the URL
    // the registry requires the hash; `node scripts/bundle.mjs --release` writes the published file's
    // (until then it is all zeros)
    expect(mcpb!.fileSha256).toMatch(/^[a-f0-9]{64}$/);
  });

  it('lists only environment variables the server reads, none of them required or secret', () => {
    const read = variablesRead();
    const listed = server.packages.flatMap((p) => p.environmentVariables ?? []);
    expect(listed.length).toBeGreaterThan(0);
    for (const v of listed) {
      expect(read, `${v.name} is not read by the server`).toContain(v.name);
      expect(v.description, v.name).toBeTruthy();
      expect(v.isRequired, v.name).toBe(false);
      expect(v.isSecret, v.name).toBe(false);
    }
    expect(new Set(listed.map((v) => v.name)).size).toBe(listed.length);
    // the names a user of Ollama expects, and the server's own
    for (const name of ['OLLAMA_HOST', 'OLLM_RAM_BUDGET', 'OLLM_PROJECT', 'OLLM_HOME'])
      expect(listed.map((v) => v.name)).toContain(name);
  });

  it('gives defaults the server accepts', async () => {
    const listed = server.packages.flatMap((p) => p.environmentVariables ?? []);
    const home = mkdtempSync(join(tmpdir(), 'ollm-server-json-'));
    homes.push(home);
    const env: Record<string, string> = { OLLM_HOME: home };
    for (const v of listed) if (v.default !== undefined && ENV_VARS.includes(v.name)) env[v.name] = v.default;
    const config = await loadConfig({ env });
    expect(config.sources['ollama.host']).toBe('env OLLAMA_HOST');
    expect(config.settings.ram.budget).toEqual({ kind: 'percent', percent: 80 });
    // the log levels offered are the ones the server knows
    const levels = listed.find((v) => v.name === 'OLLM_LOG_LEVEL')?.choices;
    if (levels)
      expect(readFileSync(join(root, 'src/orchestrator/util/log.ts'), 'utf8')).toContain(
        `const LEVELS = [${levels.map((l) => `'${l}'`).join(', ')}]`,
      );
  });
});
