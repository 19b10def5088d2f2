/**
 * What another ollm-mcp (a `kind: ollm` host, e.g. a team's GPU box) answers, checked and bounded
 * where it enters (ollm-schemas.ts), and mapped onto the host interface: its list_models
 * structured result onto EngineModel entries (installed and loaded), its show_model result onto
 * ModelShow, its route_and_generate result onto the answer and a GenerateDone — or the job it
 * handed the call over to (tools/long-call.ts), which the caller follows by repeating the call.
 * Anything else is refused with a HostError of kind bad_response naming the tool and what was
 * wrong, never trusted.
 */
import type { EngineFit, EngineModel, ModelShow } from '../engine-model.js';
import type { GenerateDone } from '../engine-requests.js';
import { HostError } from '../host-error.js';
import { NamedLoadFailed, saysNamedLoadFailed } from '../named-load.js';
import {
  checked,
  listAnswer,
  routeAnswer,
  showAnswer,
  type BoxJob,
  type BoxRef,
  type ListAnswer,
  type ListedModel,
} from './ollm-schemas.js';

/** A box's answer, or the job it runs the call on (repeat the call to wait for it). */
export type BoxAnswer =
  | {
      kind: 'answer';
      text: string;
      thinking?: string;
      model?: string;
      done: GenerateDone;
      fallbacks?: Array<{ model: string; error: string }>;
    }
  | { kind: 'job'; job: BoxJob };

/** Nothing expires by itself here: the box decides. */
const NEVER = new Date('2318-01-01T00:00:00Z');

function details(m: Pick<ListedModel, 'family' | 'parameterSize' | 'quantization'>): EngineModel['details'] {
  return {
    parent_model: '',
    format: 'gguf',
    family: m.family,
    families: m.family ? [m.family] : [],
    parameter_size: m.parameterSize,
    quantization_level: m.quantization,
  };
}

/**
 * How a model fits on the box, as the box's own plan says: whether it loads now, after unloads or
 * not at all, and the memory it needs. Nothing for a model the box plans no memory for (its engine
 * loads it by itself, or it runs on ollama.com), nor for figures that contradict each other.
 */
export function fitOf(
  m: Pick<ListedModel, 'fits' | 'fitsNow' | 'requiredBytes' | 'selfManaged' | 'cloud'>,
): EngineFit | undefined {
  if (m.selfManaged || m.cloud || m.fitsNow === undefined) return undefined;
  if (m.fitsNow && m.fits === false) return undefined;
  return {
    fitsNow: m.fitsNow,
    ...(m.fits !== undefined && { fitsAfterUnload: m.fits }),
    ...(m.requiredBytes && { needBytes: m.requiredBytes }),
  };
}

function entry(m: ListedModel): EngineModel {
  const fit = fitOf(m);
  const e: EngineModel = {
    name: m.name,
    model: m.name,
    modified_at: new Date(0),
    size: m.sizeBytes,
    digest: `ollm:${m.name}:${m.sizeBytes}`,
    details: details(m),
    expires_at: NEVER,
    size_vram: 0,
    context_length: m.contextWindow,
    ...(fit && { fit }),
  };
  // a cloud model of this machine's engine, as Ollama lists it (models/catalog.ts isCloudModel)
  return m.cloud ? Object.assign(e, { remote_host: 'https://ollama.com:443' }) : e;
}

/** Whether two host:port addresses name one engine (localhost, 127.0.0.1 and ::1 alike). */
export function sameAddress(a: string, b: string): boolean {
  const key = (x: string) => {
    let u: URL;
    try {
      u = new URL(/^[a-z]+:\/\//i.test(x) ? x : `http://${x}`);
    } catch {
      return x;
    }
    const bare = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const loop = bare === 'localhost' || bare === '::1' || bare === '0.0.0.0' || /^127\./.test(bare);
    return `${loop ? 'loopback' : bare}:${u.port || '80'}`;
  };
  return key(a) === key(b);
}

/** The planner's host at `engine` (its name in that server's list), when it lists several; undefined: it lists one. */
function hostAt(answer: ListAnswer, engine: string | undefined): { name: string } | undefined {
  if (!engine || !answer.hosts) return undefined;
  const at = answer.hosts.find((h) => sameAddress(h.url, engine));
  return at && { name: at.name };
}

/** A box's list read: what it serves, what it holds loaded, each entry as listed, the planner's name for the engine. */
export interface BoxList {
  installed: EngineModel[];
  loaded: EngineModel[];
  listed: Map<string, ListedModel>;
  there?: string;
}

/**
 * The box's list_models result: the models it serves (cloud models left out: they run on
 * ollama.com, and what leaves this machine goes to the box only) and those it holds loaded, each
 * model once (a box of several hosts may list one on two of them). With `engine` (this machine's
 * engine at that address, reached through the ollm-mcp of this user that plans it:
 * planned-elsewhere.ts), the list is that engine's alone — the planner's host at that address,
 * named in `there` — and its cloud models are kept, as that engine lists them.
 */
export function boxModels(structured: unknown, box: BoxRef, engine?: string): BoxList {
  const answer = checked(listAnswer, structured, 'list_models', box);
  const at = hostAt(answer, engine);
  const ours = (m: { host?: string | undefined }) => !at || m.host === at.name;
  const listed = new Map<string, ListedModel>();
  for (const m of answer.models) if ((engine || !m.cloud) && ours(m) && !listed.has(m.name)) listed.set(m.name, m);
  const loaded = new Map<string, EngineModel>();
  for (const l of answer.loaded) {
    const m = listed.get(l.name);
    if (!m || !ours(l) || loaded.has(l.name)) continue;
    const when = new Date(l.expiresAt);
    loaded.set(l.name, {
      ...entry(m),
      size: l.sizeBytes,
      size_vram: l.vramBytes,
      expires_at: Number.isNaN(when.getTime()) ? NEVER : when,
      ...(l.contextLength !== undefined && { context_length: l.contextLength }),
    });
  }
  const installed = [...listed.values()].map(entry);
  return { installed, loaded: [...loaded.values()], listed, ...(at && { there: at.name }) };
}

/** The architecture as a model_info key may hold it (else "ollm"). */
const archOf = (a: string | undefined) => (a && /^[a-z0-9_.-]{1,64}$/i.test(a) ? a : 'ollm');

/**
 * What the box's card (or its list entry) says of a model, as the catalog reads an engine's show
 * (models/catalog.ts showFacts).
 */
export function showOf(
  m: Pick<ListedModel, 'family' | 'parameterSize' | 'quantization' | 'contextWindow' | 'capabilities'> & {
    architecture?: string | undefined;
    licenseFirstLines?: string | undefined;
  },
): ModelShow {
  const arch = archOf(m.architecture);
  return {
    details: details(m),
    capabilities: m.capabilities,
    model_info: { 'general.architecture': arch, [`${arch}.context_length`]: m.contextWindow },
    ...(m.licenseFirstLines && { license: m.licenseFirstLines }),
  };
}

/** The box's show_model result. */
export function boxShow(structured: unknown, box: BoxRef): ModelShow {
  return showOf(checked(showAnswer, structured, 'show_model', box));
}

/** The box's route_and_generate result: the answer with its counts, or the job it handed the call over to. */
export function boxAnswer(structured: unknown, box: BoxRef): BoxAnswer {
  const a = checked(routeAnswer, structured, 'route_and_generate', box);
  if (a.job) {
    if (a.job.state === 'running' || a.job.state === 'done') return { kind: 'job', job: a.job };
    throw new HostError(
      'server_error',
      `${box.who}: the job ${a.job.id} it ran the call on ` +
        `${a.job.state === 'lost' ? 'was lost (that server restarted)' : a.job.state}${(a.job.step ?? a.job.progress) ? ` (${a.job.step ?? a.job.progress})` : ''} ` +
        `— try again.`,
      box.host,
    );
  }
  const m = a.metrics;
  const done: GenerateDone = {
    doneReason: a.doneReason ?? 'stop',
    ...(m && { promptTokens: Math.round(m.promptTokens), outputTokens: Math.round(m.outputTokens), loadMs: m.loadMs }),
    ...(m?.generationMs !== undefined && { generatingMs: m.generationMs }),
    ...(m?.promptMs !== undefined && { promptMs: m.promptMs }),
    ...(m?.cachedPromptTokens !== undefined && { cachedPromptTokens: Math.round(m.cachedPromptTokens) }),
  };
  return {
    kind: 'answer',
    text: a.text,
    ...(a.thinking && { thinking: a.thinking }),
    ...(a.model && { model: a.model }),
    done,
    ...(a.fallbacks?.length && { fallbacks: a.fallbacks }),
  };
}

/** The text of a result's content, bounded (a refusal's words). */
export function contentText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  // parsed JSON: an entry that is no object has no type (a string's, a number's is undefined)
  const texts = content
    .slice(0, 16)
    .flatMap((c: { type?: unknown; text?: unknown } | null | undefined) =>
      c?.type === 'text' && typeof c.text === 'string' ? [c.text] : [],
    );
  const text = texts.join('\n');
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * A tool's refusal (isError) as the host error its words say: a model it does not have, arguments it
 * refused, else trouble there — and, for a generation of a model named there, that model's failed
 * load (NamedLoadFailed: a route that named it answers with no other model in its place).
 */
export function boxRefusal(tool: string, content: unknown, box: BoxRef, model?: string): HostError {
  const text = contentText(content) || 'no reason given';
  const kind = /not installed|no model named|unknown model/i.test(text)
    ? 'model_not_found'
    : /invalid arguments|invalid_arguments|must be|expected /i.test(text)
      ? 'bad_request'
      : 'server_error';
  const message = `${box.who} refused ${tool}${model ? ` for ${JSON.stringify(model)}` : ''}: ${text}`;
  if (tool === 'route_and_generate' && model !== undefined && saysNamedLoadFailed(text))
    return new NamedLoadFailed(kind, message, box.host);
  return new HostError(kind, message, box.host);
}
