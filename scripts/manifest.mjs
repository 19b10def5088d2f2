// The Claude Desktop bundle's manifest.json, built from package.json and from what the built
// server itself offers: its tools and prompts are listed by starting it and asking over MCP, so
// the manifest can never drift from the server it ships with.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { LIBSQL_TARGETS } from './runtime-deps.mjs';

/** Where the bundle tool (@anthropic-ai/mcpb) is installed. */
export const MCPB_DIR = join(dirname(fileURLToPath(import.meta.resolve('@anthropic-ai/mcpb'))), '..');
/** The bundle tool's command line, run with this Node. */
export const MCPB_CLI = join(MCPB_DIR, 'dist', 'cli', 'cli.js');

/** The manifest version of the bundle tool's current ("latest") schema. */
export function currentManifestVersion() {
  const schema = JSON.parse(readFileSync(join(MCPB_DIR, 'schemas', 'mcpb-manifest-latest.schema.json'), 'utf8'));
  const version = schema.properties?.manifest_version?.const;
  if (typeof version !== 'string')
    throw new Error('@anthropic-ai/mcpb: its latest manifest schema names no manifest_version');
  return version;
}

/**
 * What the bundle asks the user in Claude Desktop's extension settings, and the environment
 * variable of the server each answer becomes. An optional value has an empty default: Claude
 * Desktop leaves "${user_config.x}" as literal text when a value has neither an answer nor a
 * default, and the server ignores an empty variable (its settings file or default then applies).
 */
export const USER_CONFIG = {
  ollama_host: {
    env: 'OLLM_HOST',
    option: {
      type: 'string',
      title: 'Ollama address',
      description:
        'Where Ollama listens: http://host:port, host:port or a bare host name, for Ollama on another machine. Leave empty to keep ollama.host from ~/.ollm/config.yaml (else OLLAMA_HOST, else this computer, http://127.0.0.1:11434).',
      required: false,
      default: '',
    },
  },
  api_key: {
    env: 'OLLM_API_KEY',
    option: {
      type: 'string',
      title: 'API key for OpenAI-compatible hosts',
      description:
        "The key of the OpenAI-compatible host or fallback in your settings (hosts: with tokenEnv, or fallback: with apiKeyEnv): used when the variable they name is not set. Kept in your system's keychain. Leave empty if you use none.",
      required: false,
      sensitive: true,
      default: '',
    },
  },
  ram_budget: {
    env: 'OLLM_RAM_BUDGET',
    option: {
      type: 'string',
      title: 'RAM budget for models',
      description:
        'How much memory loaded models may use in all: a share of RAM such as "80%", or a size such as "12GB". Leave empty to keep the settings file\'s value (default 80%).',
      required: false,
      default: '',
    },
  },
  project_dir: {
    env: 'OLLM_PROJECT',
    option: {
      type: 'directory',
      title: 'Project folder',
      description:
        'The project you work on: its language and conventions (or its .ollm/project.yaml) shape the system prompt and the choice of model. Leave empty when you work on no one project.',
      required: false,
      default: '',
    },
  },
};

/** The bundle's author: package.json's, else the copyright holder named in LICENSE. */
function authorOf(pkg, root) {
  if (typeof pkg.author === 'string') return { name: pkg.author.replace(/\s*[<(].*$/, '').trim() };
  if (pkg.author?.name)
    return {
      name: pkg.author.name,
      ...(pkg.author.email && { email: pkg.author.email }),
      ...(pkg.author.url && { url: pkg.author.url }),
    };
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  const holder = /^Copyright\s+(?:\(c\)\s*)?(?:\d{4}(?:\s*[-,]\s*\d{4})*\s+)?(.+)$/im.exec(license)?.[1]?.trim();
  if (!holder) throw new Error('package.json has no author and LICENSE names no copyright holder');
  return { name: holder };
}

function repositoryOf(pkg) {
  const repo = pkg.repository;
  if (!repo) return undefined;
  const url = (typeof repo === 'string' ? repo : repo.url).replace(/^git\+/, '').replace(/\.git$/, '');
  return {
    type: typeof repo === 'object' && repo.type ? repo.type : 'git',
    url: url.startsWith('github:') ? `https://github.com/${url.slice(7)}` : url,
  };
}

/**
 * Starts the server at `cli` in an empty settings folder (no user templates, no settings file, no
 * project) and lists its tools and prompts. Each prompt's text is the server's own rendering of
 * the template with every argument set to the bundle format's "${arguments.NAME}" placeholder.
 * No Ollama is needed: listing and rendering do not reach it.
 */
export async function listOffered(cli) {
  const home = mkdtempSync(join(tmpdir(), 'ollm-manifest-'));
  const client = new Client({ name: 'ollm-manifest', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli],
    cwd: home,
    // a server of its own, in its own folder: no shared server started for it, no engine claimed, nothing in the user's temporary folder
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      USERPROFILE: home,
      OLLM_HOME: home,
      OLLM_HOST: 'http://127.0.0.1:9',
      OLLM_LOG_LEVEL: 'error',
      OLLM_SHARED: '0',
      OLLM_ENGINE_CLAIMS: '0',
      TMPDIR: home,
      TEMP: home,
      TMP: home,
      OLLM_TEST_RUNTIME_DIR: home,
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d.toString()));
  try {
    await client.connect(transport);
    const tools = (await client.listTools()).tools.map((t) => ({ name: t.name, description: t.description ?? '' }));
    const prompts = [];
    for (const p of (await client.listPrompts()).prompts) {
      const args = (p.arguments ?? []).map((a) => a.name);
      const placeholders = Object.fromEntries(args.map((a) => [a, `\${arguments.${a}}`]));
      const rendered = await client.getPrompt({ name: p.name, arguments: placeholders });
      const text = rendered.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n\n');
      prompts.push({
        name: p.name,
        ...(p.description && { description: p.description }),
        ...(args.length > 0 && { arguments: args }),
        text,
      });
    }
    return { tools, prompts };
  } catch (err) {
    throw new Error(
      `listing what ${cli} offers failed: ${err instanceof Error ? err.message : String(err)}${stderr ? `\n${stderr}` : ''}`,
    );
  } finally {
    await client.close().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

/** The manifest for the bundle staged in `stage` (which holds dist/cli.js), with package.json from `root`. */
export async function buildManifest({ root, stage }) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const { tools, prompts } = await listOffered(join(stage, 'dist', 'cli.js'));
  const repository = repositoryOf(pkg);
  return {
    manifest_version: currentManifestVersion(),
    name: pkg.name,
    display_name: 'ollm-mcp: local Ollama models',
    version: pkg.version,
    description: pkg.description,
    long_description:
      'Lets Claude hand work to the Ollama models on your own machine: see what is installed and what fits in RAM, load models without pushing the machine into swap, route each prompt to the right model, compare models side by side, remember facts across sessions and fill reusable prompt templates. Needs Ollama running (https://ollama.com) with at least one model pulled. Settings beyond the ones asked here live in ~/.ollm/config.yaml.',
    author: authorOf(pkg, root),
    ...(repository && { repository }),
    ...(pkg.homepage && { homepage: pkg.homepage }),
    license: pkg.license,
    keywords: pkg.keywords ?? [],
    server: {
      type: 'node',
      entry_point: 'dist/cli.js',
      mcp_config: {
        command: 'node',
        args: ['${__dirname}/dist/cli.js'],
        env: Object.fromEntries(Object.entries(USER_CONFIG).map(([key, { env }]) => [env, `\${user_config.${key}}`])),
      },
    },
    tools,
    // Templates the user saves become prompts too, so the server offers more than the built-ins listed.
    prompts,
    prompts_generated: true,
    compatibility: {
      // the systems the bundle carries a SQLite (libsql) binary for: darwin, win32, linux
      platforms: [...new Set(LIBSQL_TARGETS.map((t) => t.split('-')[0]))],
      runtimes: { node: pkg.engines?.node ?? '>=20.3' },
    },
    user_config: Object.fromEntries(Object.entries(USER_CONFIG).map(([key, { option }]) => [key, option])),
  };
}
