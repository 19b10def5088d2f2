// Bundles the server into dist/ so `npx ollm-mcp` starts fast and installs almost nothing: every
// dependency is built into dist/ except libsql (SQLite), which dist/ loads from node_modules at run
// time (see EXTERNAL). Code loaded on demand (systeminformation) goes into its own chunk, off the
// start-up path.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  readFileSync,
  writeFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildViews } from './build-views.mjs';
import { recordHandshake } from './handshake.mjs';
import { stagePlugin } from './plugin.mjs';

/**
 * The `ollama` client tests `headers instanceof Headers` on every request; touching the global
 * `Headers` makes Node load its whole fetch implementation (undici, ~4 MB resident) although
 * requests go through node:http. ollm-mcp always passes plain objects, so a duck-typed test is
 * equivalent. The build fails if the line it patches is gone, so a client upgrade is noticed.
 */
const ollamaWithoutUndici = {
  name: 'ollama-without-undici',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]ollama[\\/]dist[\\/]browser\.mjs$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const needle = 'if (headers instanceof Headers) {';
      if (!source.includes(needle)) throw new Error(`ollama client changed: "${needle}" not found in ${args.path}`);
      const patched = source.replace(
        needle,
        "if (headers !== null && typeof headers === 'object' && !Array.isArray(headers) && typeof headers.forEach === 'function') {",
      );
      return { contents: patched, loader: 'js' };
    });
  },
};

/**
 * The MCP SDK's Ajv validator checks answers to forms (elicitation) — rare — yet its module starts
 * Ajv and its formats when it is imported (~20 ms of every start). This makes that happen at the
 * validator's first use. The build fails if the SDK's code changed, so an upgrade is noticed.
 */
const sdkAjvOnFirstUse = {
  name: 'sdk-ajv-on-first-use',
  setup(b) {
    b.onLoad({ filter: /@modelcontextprotocol[\\/]server[\\/]dist[\\/]ajvProvider-[\w-]+\.mjs$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      const swaps = [
        [
          'var import_ajv = require_ajv();\nvar import__2019 = require__2019();\nvar import__2020 = require__2020();\nvar import_dist = /* @__PURE__ */ __toESM(require_dist(), 1);\n',
          'var import_ajv, import__2019, import__2020, import_dist;\nfunction __ollmLoadAjv() {\n\tif (import_ajv) return;\n\timport_ajv = require_ajv();\n\timport__2019 = require__2019();\n\timport__2020 = require__2020();\n\timport_dist = __toESM(require_dist(), 1);\n}\n',
        ],
        [
          'const addFormats = import_dist.default;',
          'function addFormats(ajv, options) {\n\t__ollmLoadAjv();\n\treturn import_dist.default(ajv, options);\n}',
        ],
        ['\tget ajv() {\n', '\tget ajv() {\n\t\t__ollmLoadAjv();\n'],
        ['\tgetValidator(schema) {\n', '\tgetValidator(schema) {\n\t\t__ollmLoadAjv();\n'],
        [
          'const Ajv = import_ajv.Ajv;',
          'function Ajv(...options) {\n\t__ollmLoadAjv();\n\treturn new import_ajv.Ajv(...options);\n}',
        ],
      ];
      for (const [needle, replacement] of swaps) {
        if (!source.includes(needle))
          throw new Error(`@modelcontextprotocol/server changed: "${needle.split('\n')[0]}" not found in ${args.path}`);
        source = source.replace(needle, replacement);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

/**
 * zod's `locales` namespace exports the error messages of ~50 languages (~260 KB of source a
 * server would load and hold); ollm-mcp and the SDK speak English only (zod configures `en` itself,
 * from its own file), so the namespace keeps `en` alone. The build fails if zod moves the file.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('export { default as en } from "./en.js";'))
        throw new Error(`zod changed: its English locale is not exported as before in ${args.path}`);
      return { contents: 'export { default as en } from "./en.js";\n', loader: 'js' };
    });
  },
};

/**
 * Packages left out of dist/ and loaded from node_modules at run time: libsql alone. Its JavaScript
 * could be bundled, but it loads its native binary with require(`@libsql/${target}`), a name only
 * known at run time, from its own folder; npm installs that binary (an optional dependency of
 * libsql, for the machine's platform) only beside an installed libsql. So libsql is a dependency in
 * package.json, installed whole, and bundle.mjs stages it with a binary for every platform.
 * The build fails if dist/ imports any other package (see checkImports).
 */
const EXTERNAL = ['libsql'];

/**
 * Packages a bundled dependency requires only if they happen to be installed, inside a try/catch:
 * systeminformation reads Mac temperatures through macos-temperature-sensor when it can.
 */
const GUARDED = ['macos-temperature-sensor'];

/**
 * Packages the server imports only when first used (the MCP client SDK: a connection to another
 * ollm-mcp). In the catalog's one-file build, a package imported on use becomes a lazily started
 * module whose shared dependencies (zod) then start in another order, and break; the catalog never
 * uses them, so that build leaves them out (resolved from node_modules if ever run).
 */
const LOADED_ON_USE = ['@modelcontextprotocol/client'];

/** dist/ must import nothing but Node's built-ins and EXTERNAL: every other dependency is inside it. */
function checkImports(metafile) {
  const stray = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const i of output.imports) {
      if (i.external && !isBuiltin(i.path) && !EXTERNAL.includes(i.path) && !GUARDED.includes(i.path))
        stray.add(`${i.path} (${i.kind})`);
    }
  }
  if (stray.size > 0)
    throw new Error(
      `dist/ would import ${[...stray].join(', ')} from node_modules at run time: bundle it, or add it to EXTERNAL and to package.json's dependencies`,
    );
}

// The new build is written beside dist/ and moved into place at the end (see place()), so a server
// started while a build runs always finds a whole one.
const staging = `dist.building-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const views = await buildViews(staging);

/**
 * The catalog — every tool's listing with its JSON Schemas, every resource's — recorded once here
 * and embedded (__OLLM_CATALOG__), so a starting server lists them without loading the tools' code
 * or converting a schema (test/e2e/tool-schemas.test.ts checks they are the source's).
 */
async function recordCatalog() {
  // inside the checkout, so the EXTERNAL packages resolve from its node_modules
  mkdirSync('node_modules/.cache/ollm-mcp', { recursive: true });
  const dir = mkdtempSync(join('node_modules/.cache/ollm-mcp', 'build-'));
  try {
    const out = join(dir, 'tool-schemas.mjs');
    await build({
      entryPoints: ['scripts/tool-schemas.ts'],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      external: [...EXTERNAL, ...LOADED_ON_USE],
      plugins: [ollamaWithoutUndici],
      define: { __OLLM_VIEWS__: 'undefined' },
      banner: {
        js: "import { createRequire as __ollmCreateRequire } from 'node:module';\nimport { fileURLToPath as __ollmFileURLToPath } from 'node:url';\nconst require = __ollmCreateRequire(import.meta.url);\nconst __filename = __ollmFileURLToPath(import.meta.url);",
      },
    });
    return JSON.parse(execFileSync(process.execPath, [out], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const catalog = await recordCatalog();

const result = await build({
  entryPoints: { cli: 'src/server/cli.ts' },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: process.env.OLLM_BUILD_READABLE !== '1', // OLLM_BUILD_READABLE=1: names kept, for profiling
  keepNames: false,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  external: EXTERNAL,
  metafile: true,
  plugins: [ollamaWithoutUndici, sdkAjvOnFirstUse, zodEnglishOnly],
  define: { __OLLM_VIEWS__: JSON.stringify(views), __OLLM_CATALOG__: JSON.stringify(JSON.stringify(catalog)) },
  // Bundled CommonJS dependencies call require() for Node built-ins, and some name __filename
  // (write-file-atomic derives its temporary files' names from it).
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ollmCreateRequire } from 'node:module';\nimport { fileURLToPath as __ollmFileURLToPath } from 'node:url';\nconst require = __ollmCreateRequire(import.meta.url);\nconst __filename = __ollmFileURLToPath(import.meta.url);",
  },
});
try {
  checkImports(result.metafile);
} catch (err) {
  rmSync(staging, { recursive: true, force: true });
  throw err;
}
latin1Only(staging);
chmodSync(join(staging, 'cli.js'), 0o755);
try {
  // initialize and tools/list as the built server answers them: what a forwarding launch answers while the shared server starts
  await recordHandshake(staging, JSON.parse(await readFile('package.json', 'utf8')).version);
} catch (err) {
  rmSync(staging, { recursive: true, force: true });
  throw err;
}
recordBuild(staging);
stagePlugin('.', staging); // the Claude Code plugin gets this build alone (plugin/dist)
place(staging, 'dist');

/**
 * V8 holds a module's source for its life, one byte a character while every character is Latin-1,
 * two bytes for the whole file once one is not. esbuild escapes such characters everywhere but in
 * regular expressions (a quote mark, a dash, 。！？ there), so each is written as its \u escape,
 * which a regular expression reads as the same character: the server's largest chunk held in half.
 */
function latin1Only(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.js')) continue;
    const file = join(e.parentPath ?? e.path, e.name);
    const source = readFileSync(file, 'utf8');
    if (/[^\x00-\xff]/.test(source))
      writeFileSync(
        file,
        source.replace(/[^\x00-\xff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      );
  }
}

/**
 * `build.json`: the build's id — a hash of every file emitted, names and bytes — and when it was
 * made. The shared server's socket is named by it (src/server/shared/build.ts, place.ts), so a
 * rebuilt checkout of the same version never joins the old code's server; the same sources built
 * again give the same id.
 */
function recordBuild(dir) {
  const hash = createHash('sha256');
  const files = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else files.push(r);
    }
  };
  walk('');
  for (const f of files.sort())
    hash
      .update(`${f}\0`)
      .update(readFileSync(join(dir, f)))
      .update('\0');
  writeFileSync(
    join(dir, 'build.json'),
    JSON.stringify({ ollm: 'build', id: hash.digest('hex').slice(0, 12), at: Date.now() }),
  );
}

/**
 * Moves a finished build into dist/: the hash-named chunks first (new names, so nothing a running
 * server reads is replaced), then each entry file by an atomic rename. Chunks of earlier builds
 * are removed once they are a few minutes old; a server started before may still load one lazily.
 */
function place(from, to) {
  const fresh = new Set();
  const move = (rel) => {
    const dest = join(to, rel);
    mkdirSync(join(dest, '..'), { recursive: true });
    renameSync(join(from, rel), dest);
  };
  const walk = (rel) => {
    for (const e of readdirSync(join(from, rel), { withFileTypes: true })) {
      const r = rel ? join(rel, e.name) : e.name;
      if (e.isDirectory()) walk(r);
      else fresh.add(r);
    }
  };
  walk('');
  const isChunk = (r) => r.startsWith(`chunks${'/'}`);
  for (const r of [...fresh].filter(isChunk)) move(r);
  for (const r of [...fresh].filter((r) => !isChunk(r))) move(r);
  rmSync(from, { recursive: true, force: true });
  const old = Date.now() - 5 * 60_000;
  if (existsSync(join(to, 'chunks'))) {
    for (const name of readdirSync(join(to, 'chunks'))) {
      const r = join('chunks', name);
      if (!fresh.has(r) && (process.env.CI || statSync(join(to, r)).mtimeMs < old))
        rmSync(join(to, r), { force: true });
    }
  }
}
