// Bundles the server into dist/ so `npx ollm-mcp` starts fast and installs nothing else.
// Code loaded on demand (systeminformation) goes into its own chunk, off the start-up path.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

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
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ollmCreateRequire } from 'node:module';\nconst require = __ollmCreateRequire(import.meta.url);",
  },
});
await import('node:fs').then(f=>f.chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755));
