/**
 * The commands other than `serve` (doctor, memory, learning, template, project, state, shared):
 * each but `shared` makes the whole orchestrator, so they are loaded only when one is run.
 */
import { Orchestrator, runDoctor, type DoctorReport } from '../orchestrator/index.js';
import { checkTemplatePrompts } from '../prompts/templates.js';
import type { CliArgs } from './args.js';
import { configuredSecrets } from '../orchestrator/config/secrets.js';
import { redactValuesDeep } from '../orchestrator/util/redact-secrets.js';
import { loadSettings } from './load-settings.js';
import { learningCommand, memoryCommand, print, projectCommand, templateCommand } from './commands.js';
import { stateCommand } from './state-command.js';
import { sharedChecks } from './shared/report.js';

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
  if (problems > 0)
    lines.push(`${problems} problem${problems === 1 ? '' : 's'} to fix${warnings ? `, and ${warned}` : ''}.`);
  else lines.push(warnings ? `Nothing stops ollm-mcp; ${warned} above.` : 'All is well.');
  print(lines.join('\n'));
}

export async function runCommand(args: CliArgs): Promise<number> {
  // the project is read for the commands it affects
  const loaded = await loadSettings(args, args.command === 'doctor' || args.command === 'project');
  if (!loaded) return 1;
  if (args.command === 'shared') return (await import('./shared-command.js')).sharedCommand(loaded.config, args);
  const orch = new Orchestrator(loaded.config, loaded.project ? { project: loaded.project } : {});

  if (args.command === 'doctor') {
    await checkTemplatePrompts(orch.templates); // a template a server could not offer is reported too
    // its report quotes what engines said: no configured key in it, whatever path it took
    const found = await runDoctor(orch);
    // every shared server of this user and its clients (two on this home warned of), and how long each client
    // waits
    found.checks.push(...(await sharedChecks(loaded.config)));
    const report = redactValuesDeep(found, configuredSecrets(loaded.config.settings, process.env, [args.token]));
    if (args.json) print(JSON.stringify(report, null, 2));
    else printDoctor(report);
    return report.ok ? 0 : 1;
  }

  if (args.command === 'memory') return memoryCommand(orch, args);
  if (args.command === 'learning') return learningCommand(orch, args);
  if (args.command === 'template') return templateCommand(orch, args);
  if (args.command === 'project') return projectCommand(orch, args);
  return stateCommand(orch, args);
}
