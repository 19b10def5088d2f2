// Builds the MCP Apps views: each view's script bundled and minified, inlined with the shared
// styles into one self-contained HTML page (no network access needed), written to <outDir>/views.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const src = new URL('../src/views/', import.meta.url);
const root = new URL('../', import.meta.url);

/** { compare: html, status: html }; the pages are also written to <outDir>/views (default dist/). */
export async function buildViews(outDir = 'dist') {
  const out = new URL(`${outDir}/views/`, root);
  const css = readFileSync(new URL('views.css', src), 'utf8').replace(/\s*\n\s*/g, '');
  mkdirSync(out, { recursive: true });
  const pages = {};
  for (const name of ['compare', 'status']) {
    const js = await build({
      entryPoints: [new URL(`${name}-view.ts`, src).pathname],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
    });
    const script = js.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
    const page = readFileSync(new URL(`${name}.html`, src), 'utf8')
      .replace('/*CSS*/', () => css)
      .replace('/*JS*/', () => script);
    writeFileSync(new URL(`${name}.html`, out), page);
    pages[name] = page;
  }
  return pages;
}
