/**
 * `ollm-mcp doctor`: checks Ollama (every host), models, RAM/VRAM, budget, settings and templates,
 * and says what to fix. Returns plain data; the CLI prints it. It fails (exit code 1) only when
 * nothing can work: no Ollama host answers, no model fits, a configured model is missing; a host
 * down while another answers, swap in use, models over the budget or too big are warnings.
 */
import { formatBytes } from './config/units.js';
import { sourceOf } from './config/load.js';
import { withTag } from './models/catalog.js';
import type { Orchestrator } from './orchestrator.js';
import { type Check, fitChecks, ramChecks } from './doctor-memory.js';
import { downFix, otherHostChecks, versions, type HostAnswer } from './doctor-hosts.js';
import { stateCheck } from './storage/state-check.js';
import { learnedChecks } from './doctor-learned.js';
import { agentNameChecks } from './doctor-agents.js';
import { engineChecks } from './doctor-engines.js';
import { redactAddress } from './util/redact-secrets.js';
import { noteText } from './config/address-notes.js';

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

const gb = formatBytes;

/**
 * The values a user most often sets in several places, each with where it came from (flag, env, project,
 * file, default).
 */
function settingOrigins(cfg: Orchestrator['config']): string[] {
  const { settings: st, sources } = cfg;
  const budget = st.ram.budget.kind === 'percent' ? `${st.ram.budget.percent}%` : gb(st.ram.budget.bytes);
  const shown: Array<[string, string | undefined]> = [
    ['ollama.host', redactAddress(st.ollama.host)],
    ['ram.budget', budget],
    ['model.default', st.model.default],
    ['model.routing.defaultProfile', st.model.routing.defaultProfile],
    ['hosts', st.hosts.length ? `${st.hosts.length} more` : undefined],
    ['fallback', st.fallback && redactAddress(st.fallback.baseURL)],
  ];
  return shown
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => `${key} = ${v} (from ${sourceOf(key.split('.'), sources)})`);
}

/**
 * The templates: one line, and a warning per file that cannot be used (a broken template takes
 * nothing else down, so it warns rather than fails, like swap in use).
 */
async function templateChecks(orch: Orchestrator): Promise<Check[]> {
  const dir = orch.templates.dir;
  let listing;
  try {
    listing = await orch.templates.refresh();
  } catch (err) {
    return [
      {
        name: 'Templates',
        level: 'warn',
        detail: `${dir} could not be read: ${err instanceof Error ? err.message : String(err)}`,
      },
    ];
  }
  const yours = listing.templates.filter((t) => t.source === 'user').length;
  const checks: Check[] = [
    {
      name: 'Templates',
      level: 'ok',
      detail: `${listing.templates.length} templates, ${yours} of them yours (in ${dir})`,
    },
  ];
  for (const p of listing.problems) {
    checks.push({
      name: 'Template',
      level: 'warn',
      detail: `${p.file}: ${p.message}`,
      fix: `edit or remove ${p.file} in ${dir}; \`ollm-mcp template list\` shows every template`,
    });
  }
  return checks;
}

export async function runDoctor(orch: Orchestrator): Promise<DoctorReport> {
  const cfg = orch.config;
  const checks: Check[] = [
    {
      name: 'Settings',
      level: 'ok',
      detail:
        `${cfg.fileFound ? `read ${cfg.file}` : `no settings file at ${cfg.file}; using defaults and env vars`}; ` +
        `${settingOrigins(cfg).join('; ')}`,
    },
    // an Ollama address ending in /v1 or /api, used without it (issue 83, finding 1)
    ...(cfg.addressNotes ?? []).map((n): Check => ({ name: 'Ollama address', level: 'warn', ...noteText(n) })),
  ];
  const answers = await versions(orch);
  const up = [...answers.values()].filter((a) => 'version' in a).length;
  const mine = answers.get('ollama')!;
  checks.push(primaryCheck(orch, mine, up > 0));
  checks.push(...(up > 0 ? await modelChecks(orch, mine) : ramChecks(await orch.ramSummary([]), [], false)));
  checks.push(...(await otherHostChecks(orch, answers)));
  const fallback = await fallbackCheck(orch);
  if (fallback) checks.push(fallback);
  const st = orch.config.settings;
  const seen = await orch.stateRead.then(
    () => orch.agentRecords().map((r) => r.agent),
    () => [],
  ); // the state's own check below says why it could not be read
  checks.push(...agentNameChecks(Object.keys(st.agents), seen, Object.keys(st.http.tokens)));
  // each engine's release and its known holes; a llama-server several agents share, and its prompt cache
  checks.push(...(await engineChecks(orch, answers, [...new Set([...seen, ...Object.keys(st.http.tokens)])])));
  checks.push(...(await templateChecks(orch)));
  checks.push(...(await stateCheck(orch.config.home)));
  return { ok: checks.every((c) => c.level !== 'fail'), checks };
}

/**
 * ollama.host: its version, or why it does not answer and the one step — a warning while another Ollama host
 * answers.
 */
function primaryCheck(orch: Orchestrator, mine: HostAnswer, othersUp: boolean): Check {
  const primary = orch.hosts.find((h) => h.name === 'ollama')!;
  if ('version' in mine)
    return { name: 'Ollama', level: 'ok', detail: `Ollama ${mine.version} answers at ${primary.address}` };
  // With another Ollama host answering, ollm-mcp still works: a warning, like any other host down.
  const start =
    'start it with `ollama serve` (install it from https://ollama.com first if needed), or set ' +
    'OLLM_HOST (or OLLAMA_HOST) to where it runs';
  return {
    name: 'Ollama',
    level: othersUp ? 'warn' : 'fail',
    detail: mine.error.split(' — ')[0]!,
    fix: `${downFix(primary, mine.error, start)}${othersUp ? '; requests go to the other Ollama hosts meanwhile' : ''}`,
  };
}

/** The installed models and which fit, the configured ones missing, this machine's memory and what loads taught. */
async function modelChecks(orch: Orchestrator, mine: HostAnswer): Promise<Check[]> {
  try {
    const overview = await orch.listModels({ refresh: true });
    const installed = new Set(overview.models.map((m) => m.name));
    // This machine's memory is ollama.host's: its own reading when that host is down.
    const ram = 'version' in mine ? overview.ram : await orch.ramSummary([]);
    const loadedHere = overview.loaded.filter((l) => (l.host ?? 'ollama') === 'ollama');
    return [
      installedCheck(overview.models.length, overview.models.filter((m) => m.fits).length, overview.loaded.length),
      ...configuredChecks(orch.config.settings.model, installed),
      ...ramChecks(ram, loadedHere, 'version' in mine),
      ...fitChecks(overview.models),
      ...(await learnedChecks(orch)),
    ];
  } catch (err) {
    return [{ name: 'Models', level: 'fail', detail: err instanceof Error ? err.message : String(err) }];
  }
}

function installedCheck(installed: number, fitting: number, loaded: number): Check {
  if (installed === 0)
    return {
      name: 'Models',
      level: 'fail',
      detail: 'no models installed',
      fix: 'pull one, e.g. `ollama pull llama3.2`',
    };
  return {
    name: 'Models',
    level: fitting > 0 ? 'ok' : 'fail',
    detail: `${installed} installed, ${fitting} fit the budget, ${loaded} loaded now`,
    ...(fitting === 0 && { fix: 'raise ram.budget or pull a smaller model (a 3B model needs about 2.5 GB)' }),
  };
}

/** A model named in settings (default, pinned, an override) that is not installed. */
function configuredChecks(model: Orchestrator['config']['settings']['model'], installed: ReadonlySet<string>): Check[] {
  const wanted = [
    ...(model.default ? [{ name: model.default, role: 'model.default' }] : []),
    ...model.keepAlive.models.map((name) => ({ name, role: 'model.keepAlive.models' })),
    ...Object.entries(model.routing.overrides).map(([p, name]) => ({
      name: name!,
      role: `model.routing.overrides.${p}`,
    })),
  ];
  return wanted
    .filter((w) => !installed.has(withTag(w.name)) && !installed.has(w.name))
    .map((w) => ({
      name: 'Configured model',
      level: 'fail',
      detail: `${w.role} names "${w.name}", which is not installed`,
      fix: `\`ollama pull ${w.name}\`, or change ${w.role}`,
    }));
}

/** The cloud fallback, when settings have one: whether it answers, and whether inputs read by path may go to it. */
async function fallbackCheck(orch: Orchestrator): Promise<Check | undefined> {
  const fallback = await orch.fallback?.health();
  if (!fallback) return undefined;
  const inputs = orch.fallback!.sendInputs ? 'are sent to it' : 'never go to it: fallback.sendInputs is off';
  return {
    name: 'Cloud fallback',
    level: fallback.ok ? 'ok' : 'warn',
    detail:
      `${fallback.url} (asked last, when every local engine failed; inputs read by path ` +
      `${inputs}): ${fallback.detail}`,
    ...(!fallback.ok && { fix: 'check fallback.baseURL and its API key (fallback.apiKeyEnv) in settings' }),
  };
}
