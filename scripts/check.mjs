// The type check and the linter over one TypeScript program (`npm run check`; npm test runs it):
// what `npm run typecheck` (tsc --noEmit) and `npm run lint` (eslint .) report, with the program
// built and its types worked out once — the linter's type-aware rules (eslint.config.js) read the
// types the check already resolved, instead of building a program of their own (~30 s of CPU less).
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { typed } from '../eslint.config.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The program tsconfig.json describes, as tsc would build it. */
function tsconfigProgram() {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report([d]) };
  const parsed = ts.getParsedCommandLineOfConfigFile(ts.findConfigFile(root, ts.sys.fileExists), {}, host);
  if (!parsed) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
  });
  return { program, errors: parsed.errors };
}

let failed = false;

/** TypeScript's errors, written as tsc writes them. */
function report(diagnostics) {
  if (diagnostics.length === 0) return;
  failed = true;
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  const format = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
  process.stdout.write(format(diagnostics, host) + '\n');
}

const { program, errors } = tsconfigProgram();
report([...errors, ...ts.getPreEmitDiagnostics(program)]);

// eslint.config.js as `eslint .` reads it, its typed files given this program instead of its own
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [
    { files: typed, languageOptions: { parserOptions: { projectService: false, programs: [program] } } },
  ],
});
const results = await eslint.lintFiles(['.']);
const text = await (await eslint.loadFormatter('stylish')).format(results);
if (text) process.stdout.write(text);
if (results.some((r) => r.errorCount > 0 || r.fatalErrorCount > 0)) failed = true;
process.exitCode = failed ? 1 : 0;
