/**
 * The `ollm-mcp` command. `serve` (the default) speaks MCP on stdio: from then on stdout
 * carries only JSON-RPC and every log line goes to stderr. `doctor` prints a report to stdout.
 */
import { ConfigError, loadConfig, Orchestrator, runDoctor, type DoctorReport } from '../orchestrator/index.js';
import { log } from '../orchestrator/log.js';
import { parseCli, USAGE, UsageError, type CliArgs } from './args.js';
import { memoryCommand } from './commands.js';
import { serveOverStdio } from './stdio.js';
import { VERSION } from './version.js';

function printDoctor(report: DoctorReport): void {
  const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
  const lines = ['ollm-mcp doctor'];
  for (const c of report.checks) {
    lines.push(`  ${mark[c.level]} ${c.name}: ${c.detail}`);
    if (c.fix) lines.push(`      fix: ${c.fix}`);
  }
  const problems = report.checks.filter((c) => c.level === 'fail').length;
  lines.push(problems === 0 ? 'All is well.' : `${problems} problem${problems === 1 ? '' : 's'} to fix.`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ollm-mcp: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }

  let orch: Orchestrator;
  try {
    const config = await loadConfig({ flags: args.flags, ...(args.configFile !== undefined && { configFile: args.configFile }) });
    orch = new Orchestrator(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ollm-mcp: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  if (args.command === 'doctor') {
    const report = await runDoctor(orch);
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printDoctor(report);
    return report.ok ? 0 : 1;
  }

  if (args.command === 'memory') return memoryCommand(orch, args);

  await serveOverStdio(orch);
  return -1; // keep running until stdin closes or a signal arrives
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
