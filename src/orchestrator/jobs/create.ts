/**
 * create_model: makes a model from an installed one (its own system prompt, parameters, template,
 * messages, quantization) through the engine, or copies it under a new name. Refused before
 * anything is sent: arguments that are not Ollama's (models/create-check.ts), a host that cannot
 * make models (with what to do there instead, from its adapter), a base that is not installed
 * (naming similar ones), a name that exists unless `replace`, a quantization of a base Ollama
 * cannot quantize. A model that requests of this server are running on is replaced only once they
 * have finished (waited for up to REPLACE_WAIT_MS, the wait told to the phases, a cancel honoured):
 * Ollama would remake it under them — their next request on it, a split input's next part, would
 * run another model. One its engine holds loaded (other clients may be generating with it) is told
 * in the result, its old weights unloaded first when the new version has others (replace-loaded.ts).
 * The engine's progress goes to the phases; a cancel reaches the request. The
 * host's list is read again at once, and what the model was made for is recorded.
 */
import { HostError, notInstalled } from '../engines/host-error.js';
import { findModel, similarModels } from '../models/catalog.js';
import { checkCreate, QUANTIZABLE, type CreateInput } from '../models/create-check.js';
import type { CreateModelRequest, PullLine } from '../engines/engine-requests.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import type { TaskType } from '../config/profiles.js';
import type { PhaseReporter } from '../progress/progress.js';
import { quoted } from '../util/shorten.js';
import type { JobParts } from '../route/parts.js';
import { beforeReplace, type ReplacedLoaded } from './replace-loaded.js';

export { replacedLoadedText } from './replace-loaded.js';

export interface CreateJobRequest extends CreateInput {
  /** The kind of work it is made for (routing gives it that work). */
  task?: TaskType | undefined;
  /** Overwrite a model of that name. */
  replace?: boolean | undefined;
  /** Copy `from` under `name` (the same weights and settings) instead of making a new model. */
  copy?: boolean | undefined;
  host?: string | undefined;
  signal?: AbortSignal | undefined;
  progress?: PhaseReporter | undefined;
  /** How long a replace waits for the requests on the model (REPLACE_WAIT_MS unless said). */
  replaceWaitMs?: number | undefined;
}

export interface CreateResult {
  name: string;
  from: string;
  /** The host it was made on. */
  host: string;
  task?: TaskType;
  status: 'created' | 'replaced' | 'copied';
  /** A model replaced once the requests running on it had finished: how long that took, and how many there were. */
  waited?: { ms: number; requests: number };
  /**
   * A model replaced while its engine held it loaded (other clients may be generating with it): what that did
   * (replace-loaded.ts).
   */
  loaded?: ReplacedLoaded;
}

/** The longest create_model waits for the requests running on a model it replaces to finish. */
const REPLACE_WAIT_MS = 2 * 60_000;

const requests = (n: number) => `${n} request${n === 1 ? '' : 's'}`;

/**
 * Waits until no request of this server runs on `name` (one of `unit`'s models), at most `waitMs`:
 * how long it waited and for how many, or undefined when none was running. Refused, nothing
 * replaced, when they still run after that, or when the call is cancelled while waiting.
 */
async function waitForRequestsOn(
  unit: FleetHost,
  name: string,
  req: CreateJobRequest,
  waitMs: number,
): Promise<CreateResult['waited']> {
  const first = unit.loader.requestsOn(name);
  if (first === 0) return undefined;
  const start = Date.now();
  let most = first;
  for (let running = first; running > 0; running = unit.loader.requestsOn(name)) {
    most = Math.max(most, running);
    const left = start + waitMs - Date.now();
    if (req.signal?.aborted)
      throw new HostError(
        'aborted',
        `Cancelled while waiting for the ${requests(running)} running on ${name} to finish: ${name} was not replaced.`,
        unit.engine.host,
      );
    if (left <= 0) {
      throw new HostError(
        'busy',
        `${name} was not replaced: after ${Math.round((Date.now() - start) / 1000)} s, ` +
          `${requests(running)} of other calls ${running === 1 ? 'is' : 'are'} still running on it on ` +
          `${unit.name}, and replacing it would change the model under them. Run create_model again ` +
          `once they finish (show_status lists the requests running), or make it under another name.`,
        unit.engine.host,
      );
    }
    req.progress?.enter({
      kind: 'waiting',
      for: `the ${requests(running)} running on ${name} to finish before replacing it`,
    });
    await unit.loader.whenIdle(name, left, req.signal);
  }
  return { ms: Date.now() - start, requests: most };
}

/** What copy leaves out: it copies the model as it is. */
const NOT_WITH_COPY = ['system', 'template', 'parameters', 'messages', 'quantize'] as const;

function checked(req: CreateJobRequest, host: string): CreateModelRequest {
  if (req.copy) {
    const given = NOT_WITH_COPY.filter((k) => req[k] !== undefined);
    if (given.length)
      throw new HostError(
        'bad_request',
        `copy copies ${quoted(req.from)} as it is, so it takes only name, from, replace, task and ` +
          `host — leave out ${given.join(', ')}, or drop copy to make a model with them.`,
        host,
      );
  }
  const check = checkCreate(req);
  if (!check.ok) throw new HostError('bad_request', `Nothing was made: ${check.error}.`, host);
  return check.request;
}

/** A host whose engine makes no models: its adapter's advice of what to do there instead. */
async function cannotCreate(
  unit: FleetHost,
  request: CreateModelRequest,
  signal: AbortSignal | undefined,
): Promise<HostError> {
  const instead = await unit.engine.createInstead?.(request, signal ? { signal } : {}).catch(() => undefined);
  return new HostError(
    'not_supported',
    `${unit.engine.who} cannot make models, so nothing was sent — ` +
      `${instead ?? `set ${quoted(request.from)}'s defaults in that engine itself`}. create_model ` +
      `works on Ollama hosts.`,
    unit.engine.host,
  );
}

/** Runs the engine's create, its steps told to `progress`, the last line `success`. */
async function runCreate(unit: FleetHost, request: CreateModelRequest, req: CreateJobRequest): Promise<void> {
  const onLine = (line: PullLine): 'done' | void => {
    const bytes =
      line.total !== undefined && line.completed !== undefined
        ? { completedBytes: line.completed, totalBytes: line.total }
        : {};
    req.progress?.enter({ kind: 'creating', model: request.model, status: line.status, ...bytes });
    if (line.status === 'success') return 'done';
  };
  await unit.engine.create!(request, { onLine }, { timeoutMs: 0, ...(req.signal && { signal: req.signal }) });
}

export async function createModel(parts: JobParts, req: CreateJobRequest): Promise<CreateResult> {
  const call = req.signal ? { signal: req.signal } : {};
  const request = checked(req, parts.fleet.host);
  const unit = await parts.fleet.pickHost({
    model: request.from,
    ...(req.host !== undefined && { host: req.host }),
    ...call,
  });
  if (!unit.engine.can.create || !unit.engine.create || !unit.engine.copy)
    throw await cannotCreate(unit, request, req.signal);

  req.progress?.enter({ kind: 'starting', what: `checking ${request.from} and ${request.model} on ${unit.name}` });
  const { models } = await unit.catalog.list({ refresh: true, ...call });
  const base = findModel(models, request.from);
  if (!base)
    throw notInstalled(
      request.from,
      unit.address,
      undefined,
      similarModels(models, request.from).map((m) => m.name),
    );
  const existing = findModel(models, request.model);
  if (existing && !req.replace) {
    throw new HostError(
      'bad_request',
      `${existing.name} already exists on ${unit.name}, so nothing was made — pass replace: true ` +
        `to overwrite it, or choose another name.`,
      unit.engine.host,
    );
  }
  if (
    request.quantize &&
    base.quantization &&
    !(QUANTIZABLE as readonly string[]).includes(base.quantization.toUpperCase())
  ) {
    throw new HostError(
      'bad_request',
      `quantize: ${base.name} is ${base.quantization}, and Ollama quantizes only ` +
        `${QUANTIZABLE.join(', ')} models — make it from an F16 model, or leave quantize out.`,
      unit.engine.host,
    );
  }

  const waited = existing
    ? await waitForRequestsOn(unit, existing.name, req, req.replaceWaitMs ?? REPLACE_WAIT_MS)
    : undefined;
  const loaded = existing ? await beforeReplace(unit, existing, base, request, req.signal) : undefined;
  try {
    if (req.copy) await unit.engine.copy(base.name, request.model, { ...call, model: base.name });
    else await runCreate(unit, { ...request, from: base.name }, req);
  } finally {
    unit.catalog.invalidate(); // listed at once (and a half-made model seen as it is)
  }
  const made = await unit.catalog.get(request.model, { refresh: true, ...call }).catch(() => undefined);
  const name = made?.name ?? request.model;
  const status = req.copy ? 'copied' : existing ? 'replaced' : 'created';
  const result: CreateResult = {
    name,
    from: base.name,
    host: unit.name,
    ...(req.task && { task: req.task }),
    status,
    ...(waited && { waited }),
    ...(loaded && { loaded }),
  };
  try {
    if (req.task)
      await parts.records.madeFor.set({
        model: name,
        host: unit.name,
        task: req.task,
        from: base.name,
        at: new Date().toISOString(),
      });
    // made (again) without a task: made for none, whatever an earlier model of that name was
    else await parts.records.madeFor.remove(unit.name, name);
  } catch (err) {
    // the model is made whatever the state database says: the result says what was not kept
    throw new HostError(
      'server_error',
      `${name} was made on ${unit.name}, but what it is made for could not be kept ` +
        `(${err instanceof Error ? err.message : String(err)}) — run create_model again with ` +
        `replace: true once the state database is writable.`,
      unit.engine.host,
    );
  }
  return result;
}
