/**
 * doctor's lines for the hosts: whether each answers (and why not, with the step that fixes it),
 * what it serves and its memory against its budget — by engine kind (Ollama, a llama.cpp router,
 * an engine that plans its own memory).
 */
import { addressNext } from './engines/address-trouble.js';
import { addressSetting } from './fleet/fleet-reads.js';
import type { Orchestrator } from './orchestrator.js';
import { type Check, type OverBudget, overBudget } from './doctor-memory.js';
import { toLoaded } from './models/overview-types.js';

/** Each Ollama host's version, or why it did not answer. */
export type HostAnswer = { version: string } | { error: string };

/**
 * What to do about a host that does not answer: correct its address when that is the cause (a name that does
 * not resolve, the wrong scheme), else `otherwise`.
 */
export function downFix(h: Orchestrator['hosts'][number], error: string, otherwise: string): string {
  return addressNext(error, h.settings.ollama.host, addressSetting(h.name)) ?? otherwise;
}

export async function versions(orch: Orchestrator): Promise<Map<string, HostAnswer>> {
  const many = orch.hosts.length > 1;
  const seen = await Promise.all(
    orch.hosts.map(async (h): Promise<[string, HostAnswer]> => {
      try {
        return [h.name, { version: await h.engine.version(many ? { timeoutMs: 3000 } : {}) }];
      } catch (err) {
        return [h.name, { error: err instanceof Error ? err.message : String(err) }];
      }
    }),
  );
  return new Map(seen);
}

/** An engine that loads and unloads by itself (an OpenAI-compatible one): whether it answers, and what it serves. */
async function selfManagedCheck(h: Orchestrator['hosts'][number], answer: HostAnswer): Promise<Check> {
  const where = `${h.address} (${h.engine.who}; it loads and unloads its models itself, so no memory is planned there)`;
  if ('error' in answer)
    return {
      name: `Host ${h.name}`,
      level: 'warn',
      detail: `${where}: ${answer.error.split(' — ')[0]}; ${UNKNOWN}`,
      fix: selfManagedFix(h, answer.error),
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
    const message = err instanceof Error ? err.message : String(err);
    return { name: `Host ${h.name}`, level: 'warn', detail: `${where}: ${message}`, fix: selfManagedFix(h, message) };
  }
}

/** What a host down says of its models. */
const UNKNOWN = '0 models reachable (which it serves is unknown until it answers)';

/** The next step for an engine that manages its own memory and does not answer: its own, never Ollama's. */
function selfManagedFix(h: Orchestrator['hosts'][number], error: string): string {
  return `${downFix(h, error, `start it, or correct hosts.${h.name}.url in settings`)}; requests go to the other hosts meanwhile`;
}

/** Another host's loaded models against its own budget (from its capacity when it runs elsewhere). */
async function hostOverBudget(h: Orchestrator['hosts'][number], how?: string): Promise<OverBudget | undefined> {
  const running = await h.engine.ps();
  const { view } = await h.overview.ramSummary(running);
  return overBudget(view.policy.budgetBytes, running.map(toLoaded), `ram.budget (or hosts.${h.name}.capacity)`, how);
}

/** A llama.cpp host: router or single model, its --models-max, its models by status and how their memory is known. */
async function llamacppCheck(h: Orchestrator['hosts'][number], answer: HostAnswer): Promise<Check> {
  const fix =
    `${downFix(h, 'error' in answer ? answer.error : '', `start llama-server there (router mode: llama-server --models-dir DIR --models-max N), or correct its url in settings (hosts.${h.name})`)}; ` +
    `requests go to the other hosts meanwhile`;
  // down, its models are not counted: none is reachable, and which it serves is unknown (issue 83, finding 3)
  if ('error' in answer)
    return { name: `Host ${h.name}`, level: 'warn', detail: `${answer.error.split(' — ')[0]!}; ${UNKNOWN}`, fix };
  try {
    const s = await h.engine.report?.();
    if (!s) throw new Error('not a llama.cpp host');
    const by = (st: string) => s.models.filter((m) => m.status === st).length;
    const unknown = s.models.filter((m) => m.sizeSource === 'unknown').map((m) => m.name);
    const failed = s.models.filter((m) => m.status === 'failed').map((m) => m.name);
    const detail =
      `${answer.version} at ` +
      `${h.address}${s.router ? `, at most ${s.modelsMax} models loaded` : ' (one model; ollm-mcp cannot load or unload there)'}: ` +
      `${s.models.length} models, ${by('loaded')} ` +
      `loaded${by('loading') ? `, ${by('loading')} loading` : ''}${failed.length ? `, failed to load: ${failed.join(', ')}` : ''}`;
    if (unknown.length) {
      return {
        name: `Host ${h.name}`,
        level: 'warn',
        detail: `${detail}; the memory of ${unknown.join(', ')} is unknown (its GGUF file cannot be read here)`,
        fix:
          `set hosts.${h.name}.modelSizes {name: "5GB"} and hosts.${h.name}.capacity, so loading ` +
          `there never overcommits`,
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

/** Every host but ollama.host, each in a line: whether it answers, what it serves, its memory against its budget. */
export function otherHostChecks(orch: Orchestrator, answers: ReadonlyMap<string, HostAnswer>): Promise<Check[]> {
  return Promise.all(orch.hosts.filter((x) => x.name !== 'ollama').map((h) => hostCheck(h, answers.get(h.name)!)));
}

/** One other host's line, by its engine's kind. */
async function hostCheck(h: Orchestrator['hosts'][number], answer: HostAnswer): Promise<Check> {
  if (h.kind === 'llamacpp') return llamacppCheck(h, answer);
  if (!h.engine.can.managesMemory) return selfManagedCheck(h, answer);
  try {
    if ('error' in answer) throw new Error(answer.error);
    const [list, status, over] = await Promise.all([
      h.catalog.list({ refresh: true }),
      h.overview.ramStatus(),
      hostOverBudget(h),
    ]);
    return {
      name: `Host ${h.name}`,
      level: over ? 'warn' : 'ok',
      detail:
        `Ollama ${answer.version} at ${h.address}: ${list.models.length} models installed, ` +
        `${status.loaded.length} loaded; memory ` +
        `${status.host.note}${over ? `; ${over.detail}` : ''}`,
      ...(over && { fix: over.fix }),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      name: `Host ${h.name}`,
      level: 'warn',
      detail: `Ollama at ${h.address}: ${message}`,
      fix:
        `${downFix(h, message, `start Ollama there, or correct its url in settings (hosts.${h.name})`)}; ` +
        `requests go to the other hosts meanwhile`,
    };
  }
}
