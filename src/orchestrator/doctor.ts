/**
 * `ollm-mcp doctor`: checks Ollama (every host), models, RAM/VRAM, budget, settings and templates,
 * and says what to fix. Returns plain data; the CLI prints it. It fails (exit code 1) only when
 * nothing can work: no Ollama host answers, no model fits, a configured model is missing; a host
 * down while another answers, swap in use, models over the budget or too big are warnings.
 */
import { llamacppStatus } from './fleet/llamacpp-status.js';
import { formatBytes } from './config/units.js';
import { sourceOf } from './config/load.js';
import { withTag } from './models/catalog.js';
import type { LoadedModel, ModelSummary, Orchestrator, RamSummary } from './orchestrator.js';

export type CheckLevel = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  level: CheckLevel;
  detail: string;
  fix?: string;
}

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
  return shown.filter(([, v]) => v !== undefined).map(([key, v]) => `${key} = ${v} (from ${sourceOf(key.split('.'), sources)})`);
}

function ramChecks(ram: RamSummary): Check[] {
  const checks: Check[] = [];
  const usable = ram.totalBytes - ram.bufferBytes;
  checks.push({
    name: 'RAM',
    level: 'ok',
    detail: `${gb(ram.availableBytes)} available of ${gb(ram.totalBytes)}; budget for models ${gb(ram.budgetBytes)}, ${gb(ram.loadedBytes)} loaded, margin ${Math.round(ram.safetyMargin * 100)}%, ${gb(ram.bufferBytes)} kept free`,
  });
  if (ram.budgetBytes > usable) {
    checks.push({
      name: 'RAM budget',
      level: 'warn',
      detail: `the budget (${gb(ram.budgetBytes)}) is more than RAM minus the buffer (${gb(usable)}), so models could push the machine into swap`,
      fix: `lower ram.budget to "${Math.floor(usable / 1e9)}GB" or less`,
    });
  }
  if (ram.swapUsedBytes > 256e6) {
    checks.push({
      name: 'Swap',
      level: 'warn',
      detail: `${gb(ram.swapUsedBytes)} of swap in use — inference in swap is about 10× slower`,
      fix: 'unload idle models (`ollama stop NAME`) or lower ram.budget',
    });
  }
  const h = ram.host;
  checks.push({
    name: 'Ollama host memory',
    level: h.kind === 'unknown' ? 'warn' : 'ok',
    detail: `${h.kind === 'gpu' ? `GPU host: ${gb(h.vramTotalBytes ?? 0)} VRAM, ${gb(h.vramFreeBytes ?? 0)} free (Ollama admits by VRAM)` : h.kind === 'cpu' ? `CPU host: ${gb(h.ramTotalBytes ?? 0)} RAM (nothing but ollm-mcp keeps models out of swap)` : 'capacity unknown'}; at most ${h.maxLoadedModels} models loaded, ${h.numParallel} parallel slot${h.numParallel > 1 ? 's' : ''} each — ${h.note}`,
    ...(h.kind === 'unknown' && { fix: 'set ollama.capacity: {ram: "32GB", vram: "24GB"} for the machine Ollama runs on' }),
  });
  checks.push(
    ram.gpus.length > 0
      ? { name: 'GPU', level: 'ok', detail: ram.gpus.map((g) => `${g.name}: ${gb(g.vramTotalBytes)} VRAM${g.vramFreeBytes !== undefined ? `, ${gb(g.vramFreeBytes)} free` : ''}`).join('; ') }
      : { name: 'GPU', level: 'ok', detail: 'no GPU with its own VRAM found: models run on the CPU from RAM' },
  );
  return checks;
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
    return [{ name: 'Templates', level: 'warn', detail: `${dir} could not be read: ${err instanceof Error ? err.message : String(err)}` }];
  }
  const yours = listing.templates.filter((t) => t.source === 'user').length;
  const checks: Check[] = [{ name: 'Templates', level: 'ok', detail: `${listing.templates.length} templates, ${yours} of them yours (in ${dir})` }];
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

/**
 * Loaded models over the budget (their RAM share: on a GPU host only what is not in VRAM counts)
 * and installed models that can never fit, each named: warnings, like swap in use.
 */
export function fitChecks(ram: RamSummary, loaded: readonly LoadedModel[], models: readonly ModelSummary[]): Check[] {
  const checks: Check[] = [];
  const inRam = (m: LoadedModel) => m.sizeBytes - m.vramBytes;
  const used = loaded.reduce((s, m) => s + inRam(m), 0);
  if (used > ram.budgetBytes) {
    const names = [...loaded].sort((a, b) => inRam(b) - inRam(a)).map((m) => `${m.name} (${gb(inRam(m))})`);
    checks.push({
      name: 'Loaded models',
      level: 'warn',
      detail: `the models loaded now take ${gb(used)} of RAM, more than the budget (${gb(ram.budgetBytes)}): ${names.join(', ')}`,
      fix: 'unload the idle ones (unload_model, or `ollama stop NAME`), or raise ram.budget',
    });
  }
  const tooBig = models.filter((m) => !m.fits && !m.cloud);
  if (tooBig.length > 0) {
    checks.push({
      name: 'Models too big',
      level: 'warn',
      detail: `${tooBig.length} installed model${tooBig.length > 1 ? 's' : ''} can never be loaded here: ${tooBig.map((m) => `${m.name}${m.host ? ` on ${m.host}` : ''} (needs ${gb(m.requiredBytes)})`).join(', ')}`,
      fix: 'remove them (`ollama rm NAME`) to free the disk, or raise ram.budget (or the host\'s capacity in settings) if the machine has the memory',
    });
  }
  return checks;
}

/** Each Ollama host's version, or why it did not answer. */
type Answer = { version: string } | { error: string };

async function versions(orch: Orchestrator): Promise<Map<string, Answer>> {
  const many = orch.ollamaHosts.length > 1;
  const seen = await Promise.all(
    orch.ollamaHosts.map(async (h): Promise<[string, Answer]> => {
      try {
        return [h.name, { version: await h.backend.version(many ? { timeoutMs: 3000 } : {}) }];
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

  const primary = orch.ollamaHosts.find((h) => h.name === 'ollama')!;
  const answers = await versions(orch);
  const up = [...answers.values()].filter((a) => 'version' in a).length;
  const mine = answers.get('ollama')!;
  if ('version' in mine) checks.push({ name: 'Ollama', level: 'ok', detail: `Ollama ${mine.version} answers at ${primary.address}` });
  else {
    // With another Ollama host answering, ollm-mcp still works: a warning, like any other host down.
    const others = up > 0;
    checks.push({
      name: 'Ollama',
      level: others ? 'warn' : 'fail',
      detail: mine.error.split(' — ')[0]!,
      fix: `start it with \`ollama serve\` (install it from https://ollama.com first if needed), or set OLLM_HOST (or OLLAMA_HOST) to where it runs${others ? '; requests go to the other Ollama hosts meanwhile' : ''}`,
    });
  }

  if (up > 0) {
    try {
      const overview = await orch.listModels({ refresh: true });
      const installed = new Set(overview.models.map((m) => m.name));
      if (overview.models.length === 0) {
        checks.push({ name: 'Models', level: 'fail', detail: 'no models installed', fix: 'pull one, e.g. `ollama pull llama3.2`' });
      } else {
        const fitting = overview.models.filter((m) => m.fits);
        checks.push({
          name: 'Models',
          level: fitting.length > 0 ? 'ok' : 'fail',
          detail: `${overview.models.length} installed, ${fitting.length} fit the budget, ${overview.loaded.length} loaded now`,
          ...(fitting.length === 0 && { fix: 'raise ram.budget or pull a smaller model (a 3B model needs about 2.5 GB)' }),
        });
      }
      const { model } = cfg.settings;
      const wanted = [
        ...(model.default ? [{ name: model.default, role: 'model.default' }] : []),
        ...model.keepAlive.models.map((name) => ({ name, role: 'model.keepAlive.models' })),
        ...Object.entries(model.routing.overrides).map(([p, name]) => ({ name: name!, role: `model.routing.overrides.${p}` })),
      ];
      for (const w of wanted) {
        if (!installed.has(withTag(w.name)) && !installed.has(w.name)) {
          checks.push({ name: 'Configured model', level: 'fail', detail: `${w.role} names "${w.name}", which is not installed`, fix: `\`ollama pull ${w.name}\`, or change ${w.role}` });
        }
      }
      // This machine's memory is ollama.host's: its own reading when that host is down.
      const ram = 'version' in mine ? overview.ram : await orch.ramSummary([]);
      checks.push(...ramChecks(ram), ...fitChecks(ram, overview.loaded.filter((l) => (l.host ?? 'ollama') === 'ollama'), overview.models));
    } catch (err) {
      checks.push({ name: 'Models', level: 'fail', detail: err instanceof Error ? err.message : String(err) });
    }
  } else {
    checks.push(...ramChecks(await orch.ramSummary([])));
  }
  for (const h of orch.ollamaHosts.filter((x) => x.name !== 'ollama')) {
    if (h.kind === 'llamacpp') {
      checks.push(await llamacppCheck(h, answers.get(h.name)!));
      continue;
    }
    try {
      const answer = answers.get(h.name)!;
      if ('error' in answer) throw new Error(answer.error);
      const [list, status] = await Promise.all([h.catalog.list({ refresh: true }), h.overview.ramStatus()]);
      checks.push({ name: `Host ${h.name}`, level: 'ok', detail: `Ollama ${answer.version} at ${h.address}: ${list.models.length} models installed, ${status.loaded.length} loaded; memory ${status.host.note}` });
    } catch (err) {
      checks.push({ name: `Host ${h.name}`, level: 'warn', detail: `Ollama at ${h.address}: ${err instanceof Error ? err.message : String(err)}`, fix: `start Ollama there, or correct its url in settings (hosts.${h.name}); requests go to the other hosts meanwhile` });
    }
  }
  for (const e of await orch.engines.health()) {
    checks.push({
      name: `Host ${e.name}`,
      level: e.ok ? 'ok' : 'warn',
      detail: `${e.url} (OpenAI-compatible, priority ${e.priority === Number.MAX_SAFE_INTEGER ? 'last' : e.priority}): ${e.detail}`,
      ...(!e.ok && { fix: `start it, or correct its url in settings (hosts.${e.name}${e.name === 'fallback' ? ' / fallback.baseURL' : ''})` }),
    });
  }
  checks.push(...(await templateChecks(orch)));
  return { ok: checks.every((c) => c.level !== 'fail'), checks };
}

/** A llama.cpp host: router or single model, its --models-max, its models by status and how their memory is known. */
async function llamacppCheck(h: Orchestrator['ollamaHosts'][number], answer: Answer): Promise<Check> {
  const fix = `start llama-server there (router mode: llama-server --models-dir DIR --models-max N), or correct its url in settings (hosts.${h.name}); requests go to the other hosts meanwhile`;
  if ('error' in answer) return { name: `Host ${h.name}`, level: 'warn', detail: answer.error.split(' — ')[0]!, fix };
  try {
    const s = await llamacppStatus(h);
    if (!s) throw new Error('not a llama.cpp host');
    const by = (st: string) => s.models.filter((m) => m.status === st).length;
    const unknown = s.models.filter((m) => m.sizeSource === 'unknown').map((m) => m.name);
    const failed = s.models.filter((m) => m.status === 'failed').map((m) => m.name);
    const detail = `${answer.version} at ${h.address}${s.router ? `, at most ${s.modelsMax} models loaded` : ' (one model; ollm-mcp cannot load or unload there)'}: ${s.models.length} models, ${by('loaded')} loaded${by('loading') ? `, ${by('loading')} loading` : ''}${failed.length ? `, failed to load: ${failed.join(', ')}` : ''}`;
    if (unknown.length) {
      return { name: `Host ${h.name}`, level: 'warn', detail: `${detail}; the memory of ${unknown.join(', ')} is unknown (its GGUF file cannot be read here)`, fix: `set hosts.${h.name}.modelSizes {name: "5GB"} and hosts.${h.name}.capacity, so loading there never overcommits` };
    }
    return { name: `Host ${h.name}`, level: failed.length ? 'warn' : 'ok', detail, ...(failed.length && { fix: "see the router's log for why the load failed" }) };
  } catch (err) {
    return { name: `Host ${h.name}`, level: 'warn', detail: err instanceof Error ? err.message : String(err), fix };
  }
}
