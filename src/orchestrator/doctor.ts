/**
 * `ollm-mcp doctor`: checks Ollama (every host), models, RAM/VRAM, budget, settings and templates,
 * and says what to fix. Returns plain data; the CLI prints it. It fails (exit code 1) only when
 * nothing can work: no Ollama host answers, no model fits, a configured model is missing; a host
 * down while another answers, swap in use, models over the budget or too big are warnings.
 */
import { formatBytes } from './config/units.js';
import { addressNext } from './engines/address-trouble.js';
import { addressSetting } from './fleet/fleet-reads.js';
import { sourceOf } from './config/load.js';
import { withTag } from './models/catalog.js';
import type { Orchestrator } from './orchestrator.js';
import { type Check, fitChecks, type OverBudget, overBudget, ramChecks } from './doctor-memory.js';
import { toLoaded } from './models/overview-types.js';
import { stateCheck } from './storage/state-check.js';
import { learnedChecks } from './doctor-learned.js';
import { agentNameChecks } from './doctor-agents.js';

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

const gb = formatBytes;

/** The values a user most often sets in several places, each with where it came from (flag, env, project, file, default). */
function settingOrigins(cfg: Orchestrator['config']): string[] {
  const { settings: st, sources } = cfg;
  const budget = st.ram.budget.kind === 'percent' ? `${st.ram.budget.percent}%` : gb(st.ram.budget.bytes);
  const shown: Array<[string, string | undefined]> = [
    ['ollama.host', st.ollama.host],
    ['ram.budget', budget],
    ['model.default', st.model.default],
    ['model.routing.defaultProfile', st.model.routing.defaultProfile],
    ['hosts', st.hosts.length ? `${st.hosts.length} more` : undefined],
    ['fallback', st.fallback?.baseURL],
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

/** Each Ollama host's version, or why it did not answer. */
type Answer = { version: string } | { error: string };

/** What to do about a host that does not answer: correct its address when that is the cause (a name that does not resolve, the wrong scheme), else `otherwise`. */
function downFix(h: Orchestrator['hosts'][number], error: string, otherwise: string): string {
  return addressNext(error, h.settings.ollama.host, addressSetting(h.name)) ?? otherwise;
}

async function versions(orch: Orchestrator): Promise<Map<string, Answer>> {
  const many = orch.hosts.length > 1;
  const seen = await Promise.all(
    orch.hosts.map(async (h): Promise<[string, Answer]> => {
      try {
        return [h.name, { version: await h.engine.version(many ? { timeoutMs: 3000 } : {}) }];
      } catch (err) {
        return [h.name, { error: err instanceof Error ? err.message : String(err) }];
      }
    }),
  );
  return new Map(seen);
}

export async function runDoctor(orch: Orchestrator): Promise<DoctorReport> {
  const checks: Check[] = [];
  const cfg = orch.config;
  checks.push({
    name: 'Settings',
    level: 'ok',
    detail: `${cfg.fileFound ? `read ${cfg.file}` : `no settings file at ${cfg.file}; using defaults and env vars`}; ${settingOrigins(cfg).join('; ')}`,
  });

  const primary = orch.hosts.find((h) => h.name === 'ollama')!;
  const answers = await versions(orch);
  const up = [...answers.values()].filter((a) => 'version' in a).length;
  const mine = answers.get('ollama')!;
  if ('version' in mine)
    checks.push({ name: 'Ollama', level: 'ok', detail: `Ollama ${mine.version} answers at ${primary.address}` });
  else {
    // With another Ollama host answering, ollm-mcp still works: a warning, like any other host down.
    const others = up > 0;
    checks.push({
      name: 'Ollama',
      level: others ? 'warn' : 'fail',
      detail: mine.error.split(' — ')[0]!,
      fix: `${downFix(primary, mine.error, 'start it with `ollama serve` (install it from https://ollama.com first if needed), or set OLLM_HOST (or OLLAMA_HOST) to where it runs')}${others ? '; requests go to the other Ollama hosts meanwhile' : ''}`,
    });
  }

  if (up > 0) {
    try {
      const overview = await orch.listModels({ refresh: true });
      const installed = new Set(overview.models.map((m) => m.name));
      if (overview.models.length === 0) {
        checks.push({
          name: 'Models',
          level: 'fail',
          detail: 'no models installed',
          fix: 'pull one, e.g. `ollama pull llama3.2`',
        });
      } else {
        const fitting = overview.models.filter((m) => m.fits);
        checks.push({
          name: 'Models',
          level: fitting.length > 0 ? 'ok' : 'fail',
          detail: `${overview.models.length} installed, ${fitting.length} fit the budget, ${overview.loaded.length} loaded now`,
          ...(fitting.length === 0 && {
            fix: 'raise ram.budget or pull a smaller model (a 3B model needs about 2.5 GB)',
          }),
        });
      }
      const { model } = cfg.settings;
      const wanted = [
        ...(model.default ? [{ name: model.default, role: 'model.default' }] : []),
        ...model.keepAlive.models.map((name) => ({ name, role: 'model.keepAlive.models' })),
        ...Object.entries(model.routing.overrides).map(([p, name]) => ({
          name: name!,
          role: `model.routing.overrides.${p}`,
        })),
      ];
      for (const w of wanted) {
        if (!installed.has(withTag(w.name)) && !installed.has(w.name)) {
          checks.push({
            name: 'Configured model',
            level: 'fail',
            detail: `${w.role} names "${w.name}", which is not installed`,
            fix: `\`ollama pull ${w.name}\`, or change ${w.role}`,
          });
        }
      }
      // This machine's memory is ollama.host's: its own reading when that host is down.
      const ram = 'version' in mine ? overview.ram : await orch.ramSummary([]);
      checks.push(
        ...ramChecks(
          ram,
          overview.loaded.filter((l) => (l.host ?? 'ollama') === 'ollama'),
          'version' in mine,
        ),
        ...fitChecks(overview.models),
        ...(await learnedChecks(orch)),
      );
    } catch (err) {
      checks.push({ name: 'Models', level: 'fail', detail: err instanceof Error ? err.message : String(err) });
    }
  } else {
    checks.push(...ramChecks(await orch.ramSummary([]), [], false));
  }
  for (const h of orch.hosts.filter((x) => x.name !== 'ollama')) {
    if (h.kind === 'llamacpp') {
      checks.push(await llamacppCheck(h, answers.get(h.name)!));
      continue;
    }
    if (!h.engine.can.managesMemory) {
      checks.push(await selfManagedCheck(h, answers.get(h.name)!));
      continue;
    }
    try {
      const answer = answers.get(h.name)!;
      if ('error' in answer) throw new Error(answer.error);
      const [list, status, over] = await Promise.all([
        h.catalog.list({ refresh: true }),
        h.overview.ramStatus(),
        hostOverBudget(h),
      ]);
      checks.push({
        name: `Host ${h.name}`,
        level: over ? 'warn' : 'ok',
        detail: `Ollama ${answer.version} at ${h.address}: ${list.models.length} models installed, ${status.loaded.length} loaded; memory ${status.host.note}${over ? `; ${over.detail}` : ''}`,
        ...(over && { fix: over.fix }),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      checks.push({
        name: `Host ${h.name}`,
        level: 'warn',
        detail: `Ollama at ${h.address}: ${message}`,
        fix: `${downFix(h, message, `start Ollama there, or correct its url in settings (hosts.${h.name})`)}; requests go to the other hosts meanwhile`,
      });
    }
  }
  const fallback = await orch.fallback?.health();
  if (fallback) {
    checks.push({
      name: 'Cloud fallback',
      level: fallback.ok ? 'ok' : 'warn',
      detail: `${fallback.url} (asked last, when every local engine failed; inputs read by path ${orch.fallback!.sendInputs ? 'are sent to it' : 'never go to it: fallback.sendInputs is off'}): ${fallback.detail}`,
      ...(!fallback.ok && { fix: 'check fallback.baseURL and its API key (fallback.apiKeyEnv) in settings' }),
    });
  }
  const st = orch.config.settings;
  const seen = await orch.stateRead.then(
    () => orch.agentRecords().map((r) => r.agent),
    () => [],
  ); // the state's own check below says why it could not be read
  checks.push(...agentNameChecks(Object.keys(st.agents), seen, Object.keys(st.http.tokens)));
  checks.push(...(await templateChecks(orch)));
  checks.push(...(await stateCheck(orch.config.home)));
  return { ok: checks.every((c) => c.level !== 'fail'), checks };
}

/** An engine that loads and unloads by itself (an OpenAI-compatible one): whether it answers, and what it serves. */
async function selfManagedCheck(h: Orchestrator['hosts'][number], answer: Answer): Promise<Check> {
  const where = `${h.address} (${h.engine.who}; it loads and unloads its models itself, so no memory is planned there)`;
  if ('error' in answer)
    return {
      name: `Host ${h.name}`,
      level: 'warn',
      detail: `${where}: ${answer.error.split(' — ')[0]}`,
      fix: `${downFix(h, answer.error, `start it, or correct hosts.${h.name}.url in settings`)}; requests go to the other hosts meanwhile`,
    };
  try {
    const list = await h.catalog.list({ refresh: true });
    return {
      name: `Host ${h.name}`,
      level: 'ok',
      detail: `${where}: serves ${list.models.length} model${list.models.length === 1 ? '' : 's'} (${list.models
        .slice(0, 5)
        .map((m) => m.name)
        .join(', ')})`,
    };
  } catch (err) {
    return {
      name: `Host ${h.name}`,
      level: 'warn',
      detail: `${where}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Another host's loaded models against its own budget (from its capacity when it runs elsewhere). */
async function hostOverBudget(h: Orchestrator['hosts'][number], how?: string): Promise<OverBudget | undefined> {
  const running = await h.engine.ps();
  const { view } = await h.overview.ramSummary(running);
  return overBudget(view.policy.budgetBytes, running.map(toLoaded), `ram.budget (or hosts.${h.name}.capacity)`, how);
}

/** A llama.cpp host: router or single model, its --models-max, its models by status and how their memory is known. */
async function llamacppCheck(h: Orchestrator['hosts'][number], answer: Answer): Promise<Check> {
  const fix = `${downFix(h, 'error' in answer ? answer.error : '', `start llama-server there (router mode: llama-server --models-dir DIR --models-max N), or correct its url in settings (hosts.${h.name})`)}; requests go to the other hosts meanwhile`;
  if ('error' in answer) return { name: `Host ${h.name}`, level: 'warn', detail: answer.error.split(' — ')[0]!, fix };
  try {
    const s = await h.engine.report?.();
    if (!s) throw new Error('not a llama.cpp host');
    const by = (st: string) => s.models.filter((m) => m.status === st).length;
    const unknown = s.models.filter((m) => m.sizeSource === 'unknown').map((m) => m.name);
    const failed = s.models.filter((m) => m.status === 'failed').map((m) => m.name);
    const detail = `${answer.version} at ${h.address}${s.router ? `, at most ${s.modelsMax} models loaded` : ' (one model; ollm-mcp cannot load or unload there)'}: ${s.models.length} models, ${by('loaded')} loaded${by('loading') ? `, ${by('loading')} loading` : ''}${failed.length ? `, failed to load: ${failed.join(', ')}` : ''}`;
    if (unknown.length) {
      return {
        name: `Host ${h.name}`,
        level: 'warn',
        detail: `${detail}; the memory of ${unknown.join(', ')} is unknown (its GGUF file cannot be read here)`,
        fix: `set hosts.${h.name}.modelSizes {name: "5GB"} and hosts.${h.name}.capacity, so loading there never overcommits`,
      };
    }
    const over = await hostOverBudget(
      h,
      s.router
        ? 'unload_model, or POST /models/unload {"model": NAME} to the router'
        : 'stop that llama-server: ollm-mcp cannot unload there',
    );
    const fixes = [
      ...(over ? [over.fix] : []),
      ...(failed.length ? ["see the router's log for why the load failed"] : []),
    ];
    return {
      name: `Host ${h.name}`,
      level: fixes.length ? 'warn' : 'ok',
      detail: `${detail}${over ? `; ${over.detail}` : ''}`,
      ...(fixes.length && { fix: fixes.join('; ') }),
    };
  } catch (err) {
    return { name: `Host ${h.name}`, level: 'warn', detail: err instanceof Error ? err.message : String(err), fix };
  }
}
