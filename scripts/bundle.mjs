// Builds the Claude Desktop bundle (ollm-mcp.mcpb) from the built dist/: stages the files it
// ships in a folder of their own, writes manifest.json, and packs them with the official
// bundle tool (@anthropic-ai/mcpb). dist/ carries every dependency but libsql (see build.mjs), so
// node_modules holds libsql alone, with what it requires and its prebuilt binary for each platform
// (runtime-deps.mjs): Claude Desktop runs no npm install, so the bundle works on each as it is.
// The other platforms' binaries are fetched from the npm registry once per libsql version (into
// node_modules/.cache/ollm-mcp/).
//
//   node scripts/bundle.mjs [--out FILE] [--stage DIR] [--release]
//
// --release also writes the bundle's download URL and SHA-256 into server.json (the registry
// entry), for the file to be attached to the GitHub release of this version: the archive differs
// from one build to the next, so the hash is taken from the very file that is published.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildManifest, MCPB_CLI } from './manifest.mjs';
import { copyPackage, libsqlBinaries, productionPackages } from './runtime-deps.mjs';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { out: { type: 'string' }, stage: { type: 'string' }, release: { type: 'boolean' } },
  strict: true,
});
const out = resolve(values.out ?? join(root, 'ollm-mcp.mcpb'));
const stage = resolve(values.stage ?? join(root, '.bundle'));

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  process.stderr.write('bundle: dist/cli.js is missing; build first (npm run build), or run npm run bundle.\n');
  process.exit(1);
}

// What ships: the built server, its skills (served over MCP from skills/, beside dist/) and what a user reads. package.json is reduced to what running
// it needs ("type": "module" makes Node read dist/ as ES modules) and what identifies it.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const entry of ['dist', 'schemas', 'skills', 'README.md', 'LICENSE'])
  cpSync(join(root, entry), join(stage, entry), { recursive: true });
const shipped = Object.fromEntries(
  ['name', 'version', 'description', 'type', 'license', 'author', 'repository', 'homepage', 'mcpName', 'bin', 'engines']
    .filter((k) => pkg[k] !== undefined)
    .map((k) => [k, pkg[k]]),
);
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);
// The production dependencies, each where npm installed it (so each require() finds the same
// package), without the optional ones npm picked for this machine; then libsql's binaries for all.
for (const p of productionPackages(root, { optional: false })) copyPackage(p.dir, join(stage, p.rel));
const binaries = libsqlBinaries(root);
for (const b of binaries) copyPackage(b.dir, join(stage, 'node_modules', b.name));

const manifest = await buildManifest({ root, stage });
writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

// The tool validates the manifest before it packs, and fails on an invalid one.
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
try {
  execFileSync(process.execPath, [MCPB_CLI, 'pack', stage, out], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
} catch (err) {
  process.stderr.write(`bundle: mcpb pack failed:\n${err.stdout ?? ''}${err.stderr ?? ''}\n`);
  process.exit(1);
}

const sha256 = createHash('sha256').update(readFileSync(out)).digest('hex');
const mb = (statSync(out).size / 2 ** 20).toFixed(1);
process.stdout.write(
  `${relative(process.cwd(), out) || out}: ${manifest.name} ${manifest.version}, manifest ${manifest.manifest_version}, ${manifest.tools.length} tools, ${manifest.prompts.length} prompts, ${mb} MB\n` +
    `libsql ${binaries[0].version} for ${binaries.map((b) => b.name.replace('@libsql/', '')).join(', ')}\nsha256 ${sha256}\n`,
);

if (values.release) {
  const file = join(root, 'server.json');
  const server = JSON.parse(readFileSync(file, 'utf8'));
  const [, owner, repo] = /^io\.github\.([^/]+)\/(.+)$/.exec(pkg.mcpName ?? '') ?? [];
  if (!owner)
    throw new Error(
      `package.json's mcpName (${pkg.mcpName}) is not io.github.OWNER/REPO: set the bundle's download URL in server.json by hand`,
    );
  server.version = pkg.version;
  for (const p of server.packages) {
    p.version = pkg.version;
    if (p.registryType === 'mcpb') {
      p.identifier = `https://github.com/${owner}/${repo}/releases/download/v${pkg.version}/ollm-mcp.mcpb`;
      p.fileSha256 = sha256;
    }
  }
  writeFileSync(file, `${JSON.stringify(server, null, 2)}\n`);
  process.stdout.write(
    `server.json: version ${pkg.version}, bundle sha256 written; attach ${relative(root, out)} to the v${pkg.version} release\n`,
  );
}
