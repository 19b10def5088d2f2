/**
 * The `ollm-mcp` command. `serve` (the default) speaks MCP on stdio: from then on stdout
 * carries only JSON-RPC and every log line goes to stderr. `doctor` prints a report to stdout.
 */
import { ConfigError, loadConfig, Orchestrator, runDoctor, type DoctorReport } from '../orchestrator/index.js';
import { ProjectError, projectSettings, resolveProject, type ProjectProfile } from '../orchestrator/project/project.js';
import { checkTemplatePrompts } from '../prompts/templates.js';
import { TOOLS } from '../tools/index.js';
import { log } from '../orchestrator/util/log.js';
import { parseCli, USAGE, UsageError, type CliArgs } from './args.js';
import { learningCommand, memoryCommand, projectCommand, templateCommand } from './commands.js';
import { stopOn } from './lifecycle.js';
import { stateCommand } from './state-command.js';
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
  const warnings = report.checks.filter((c) => c.level === 'warn').length;
  const warned = `${warnings} warning${warnings === 1 ? '' : 's'}`;
  if (problems > 0) lines.push(`${problems} problem${problems === 1 ? '' : 's'} to fix${warnings ? `, and ${warned}` : ''}.`);
  else lines.push(warnings ? `Nothing stops ollm-mcp; ${warned} above.` : 'All is well.');
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
  let project: ProjectProfile | undefined;
  try {
    // The project (detected from the working folder, or --project / OLLM_PROJECT) is read for the
    // commands it affects; a broken project file should not stop `memory` or `template`.
    if (args.command === 'serve' || args.command === 'doctor' || args.command === 'project') {
      const named = args.project ?? process.env.OLLM_PROJECT?.trim();
      project = await resolveProject({ dir: named || process.cwd(), explicit: Boolean(named), toolNames: TOOLS.map((t) => t.toolName) });
    }
    const config = await loadConfig({
      flags: args.flags,
      ...(args.configFile !== undefined && { configFile: args.configFile }),
      ...(project && { project: projectSettings(project) }),
    });
    orch = new Orchestrator(config, project ? { project } : {});
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ProjectError) {
      process.stderr.write(`ollm-mcp: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  if (args.command === 'doctor') {
    await checkTemplatePrompts(orch.templates); // a template a server could not offer is reported too
    const report = await runDoctor(orch);
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printDoctor(report);
    return report.ok ? 0 : 1;
  }

  if (args.command === 'memory') return memoryCommand(orch, args);
  if (args.command === 'learning') return learningCommand(orch, args);
  if (args.command === 'template') return templateCommand(orch, args);
  if (args.command === 'project') return projectCommand(orch, args);
  if (args.command === 'state') return stateCommand(orch, args);

  if (args.transport === 'http') {
    // Loaded only for HTTP: stdio starts without the HTTP adapter's code.
    const { HttpStartError, serveOverHttp } = await import('./http.js');
    const token = args.token ?? (process.env.OLLM_HTTP_TOKEN?.trim() || undefined);
    const tokenSource = args.token !== undefined ? '--token' : 'OLLM_HTTP_TOKEN';
    try {
      const serving = await serveOverHttp(orch, { host: args.host, port: args.port, ...(token !== undefined && { token, tokenSource }) });
      stopOn(orch, () => serving.close());
    } catch (err) {
      if (err instanceof HttpStartError) {
        process.stderr.write(`ollm-mcp: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    return -1; // keep running until a signal arrives
  }
  await serveOverStdio(orch);
  return -1; // keep running until stdin closes or a signal arrives
}

// A command's output piped into `head` (or a closed pager) ends quietly: nothing more to say.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
