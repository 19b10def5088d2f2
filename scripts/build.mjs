// Bundles the server into dist/ so `npx ollm-mcp` starts fast and installs nothing else.
// Code loaded on demand (systeminformation) goes into its own chunk, off the start-up path.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { buildViews } from './build-views.mjs';

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
      const patched = source.replace(needle, "if (headers !== null && typeof headers === 'object' && !Array.isArray(headers) && typeof headers.forEach === 'function') {");
      return { contents: patched, loader: 'js' };
    });
  },
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const views = await buildViews();

await build({
  entryPoints: { cli: 'src/server/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: false,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  plugins: [ollamaWithoutUndici],
  define: { __OLLM_VIEWS__: JSON.stringify(views) },
  // Bundled CommonJS dependencies call require() for Node built-ins, and some name __filename
  // (write-file-atomic derives its temporary files' names from it).
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ollmCreateRequire } from 'node:module';\nimport { fileURLToPath as __ollmFileURLToPath } from 'node:url';\nconst require = __ollmCreateRequire(import.meta.url);\nconst __filename = __ollmFileURLToPath(import.meta.url);",
  },
});
await import('node:fs').then(f=>f.chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755));
