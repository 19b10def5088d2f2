/**
 * smart_load: load a named model, or the best installed one for a task, without overcommitting
 * RAM. The router chooses (by task: among every Ollama host that answers), the planner decides
 * what to unload, the loader carries it out; a refusal comes with the best smaller alternative
 * that would fit. Hosts that do not answer are named in `unreachable`.
 */
import { HostError } from '../engines/host-error.js';
import type { KeepAlive, LoadOutcome } from '../loading/loader.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import type { PhaseReporter } from '../progress/progress.js';
import type { ModelsOverview } from '../models/overview-types.js';
import type { JobParts } from '../route/parts.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import { coolingHosts, downLines, listFleetModels, type HostDown } from '../fleet/fleet-reads.js';
import type { TaskType } from '../config/profiles.js';
import { alternativeFor, selectModel } from '../generation/router.js';
import { TASK_PROFILE } from '../generation/routing-profiles.js';
import { forAgent } from '../route/agent-parts.js';
import { plannerOf } from '../engines/planned-there.js';

export interface SmartLoadRequest {
  model?: string;
  /** The Ollama host (see the fleet's pickHost); default: the one that has the model, else ollama.host. */
  host?: string;
  task?: TaskType;
  keepAlive?: KeepAlive;
  pin?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Told of every phase: choosing, waiting for another load, unloading, loading. */
  progress?: PhaseReporter;
  /** The calling agent (its client's name): a choice by task follows its agents.NAME routing (route/agent-parts.ts). */
  agent?: string;
}

export interface SmartLoadOutcome extends LoadOutcome {
  /** The Ollama host it acted on, when there are several. */
  host?: string;
  /** Why this model: the router's reason when it chose, or NAMED. */
  choice: string;
  alternative?: { model: string; why: string };
  /** Ollama hosts that do not answer now (with several), and what to do. */
  unreachable?: HostDown[];
  /** What happened since the last answer, e.g. a pinned model loaded again. */
  notes?: string[];
}

/** The choice when the caller named the model. */
export const NAMED = 'named by the caller';

const PULL_HINT: Partial<Record<TaskType, string>> = {
  code: 'qwen2.5-coder:7b',
  debugging: 'qwen2.5-coder:7b',
  vision: 'llava:7b',
  fast: 'llama3.2:3b',
  reasoning: 'qwen3:8b',
};

export async function smartLoad(shared: JobParts, req: SmartLoadRequest): Promise<SmartLoadOutcome> {
  const parts = forAgent(shared, req.agent); // a choice by task is the one the agent's own calls would get
  const { routing } = parts.settings.model;
  const call = req.signal ? { signal: req.signal } : {};
  let model = req.model;
  let choice = NAMED;
  let unit: FleetHost;
  let overview: ModelsOverview | undefined;
  req.progress?.enter({
    kind: 'starting',
    what: model ? `planning the load of ${model}` : `choosing a model for ${req.task ?? routing.defaultProfile} work`,
  });
  if (model) unit = await parts.fleet.pickHost({ ...(req.host !== undefined && { host: req.host }), model, ...call });
  else {
    // By task: the best model of the named host, or of every host that answers.
    const named =
      req.host !== undefined || parts.fleet.hosts.length === 1
        ? await parts.fleet.pickHost({ ...(req.host !== undefined && { host: req.host }), ...call })
        : undefined;
    overview = named
      ? await named.overview.listModels(call)
      : await listFleetModels(parts.fleet.hosts, parts.fleet.hostCooldown, call);
    const coldLoadMs = coldLoadEstimates(overview.models, parts.records.metrics.loadSpeed());
    const selection = selectModel(
      { ...(req.task && { task: req.task }), coldLoadMs },
      overview.models,
      parts.routing(),
    );
    if (!selection) {
      const profile = req.task ? TASK_PROFILE[req.task] : routing.defaultProfile;
      const hint = PULL_HINT[req.task ?? 'general'] ?? 'llama3.2';
      const down = downLines(overview.unreachable ?? []);
      throw new HostError(
        'model_not_found',
        `No installed model that fits this machine can take ${profile} work — pull one, e.g. ` +
          `\`ollama pull ${hint}\`, or raise ram.budget.${down.length ? ` ${down.join(' ')}` : ''}`,
        parts.fleet.host,
      );
    }
    model = selection.model;
    choice = selection.reason;
    const host = selection.ranked[0]?.host;
    unit = named ?? parts.fleet.hosts.find((h) => h.name === host) ?? parts.fleet.hosts[0]!;
  }

  const asked = {
    model,
    ...(req.keepAlive !== undefined && { keepAlive: req.keepAlive }),
    ...(req.pin !== undefined && { pin: req.pin }),
    ...(req.dryRun !== undefined && { dryRun: req.dryRun }),
  };
  // an engine another ollm-mcp of this user plans: loaded (pinned) by that server's plan (planner-engine.ts)
  const there = plannerOf(unit.engine);
  const outcome = there
    ? await there.loadThere(asked, call)
    : await unit.loader.ensureLoaded({ ...asked, ...call, ...(req.progress && { progress: req.progress }) });
  const result: SmartLoadOutcome = { ...outcome, choice, ...(parts.fleet.hosts.length > 1 && { host: unit.name }) };
  const down = coolingHosts(parts.fleet);
  if (down.length) result.unreachable = down;
  if (outcome.action === 'refused') {
    // The refusal's numbers are fresh; the installed list from the choice (if any) is still good.
    const installed = (overview ?? (await unit.overview.listModels())).models.filter(
      (m) => m.host === undefined || m.host === unit.name,
    );
    const wanted = installed.find((m) => m.name === outcome.model);
    const alternative = wanted && alternativeFor(wanted, installed, outcome.obtainableBytes ?? 0);
    if (alternative) {
      result.alternative = alternative;
      result.reason = `${outcome.reason} Try ${alternative.model} instead: ${alternative.why}.`;
    }
  }
  const notes = parts.fleet.pinNotes();
  if (notes.length) result.notes = notes;
  return result;
}
