/**
 * /api/create and /api/copy of the fake Ollama, after server/create.go and server/routes.go:
 *   - create: the name must be valid (400 "invalid model name"); `from` or `files` is needed (400
 *     "neither 'from' or 'files' was specified"); a `from` not installed is pulled first, as
 *     parseFromModel does: "pulling manifest", then an error line "pull model manifest: file does
 *     not exist" when the registry has none; a `quantize` of a base not in F16, BF16 or F32 is a 500
 *     "quantization is only supported for F16, BF16 and F32 models" before any line; an unknown
 *     type is ParseFileType's 500. Then one status per layer: "using existing layer sha256:…" for
 *     the base's layers kept, "creating new layer sha256:…" for each new one (template, system,
 *     parameters merged over the base's, messages), "writing manifest", "success". A model of that
 *     name is replaced without asking. The made model shares the base's weights (digest and size),
 *     its parent_model is the base's name, and /api/show gives its parameters, system and template.
 *   - copy: `{source, destination}`, 200 with an empty body; 404 `model "x" not found`; the copy is
 *     the same manifest (same digest).
 */
import { createHash } from 'node:crypto';
import { type FakeModel, type MadeFields, digestOf } from './models.js';
import { nameKey, normalizeName } from './names.js';
import {
  Aborted,
  type Exchange,
  type Failure,
  HttpError,
  type Json,
  failStatus,
  isRecord,
  sleep,
  str,
} from './exchange.js';
import { baseParameters, weightsDigestOf } from './model-info.js';
import { whilePulling, type PullDeps } from './pull.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$/;

/** A name Ollama's ParseName would accept (its model and tag parts; namespace and host loosely). */
function validName(raw: string): boolean {
  const s = raw.trim();
  if (s === '' || s !== raw) return false;
  const at = s.lastIndexOf(':') > s.lastIndexOf('/') ? s.lastIndexOf(':') : -1;
  const tag = at >= 0 ? s.slice(at + 1) : 'latest';
  const parts = (at >= 0 ? s.slice(0, at) : s).split('/');
  if (parts.length > 3 || parts.some((p) => p === '')) return false;
  return PART.test(parts.at(-1)!) && PART.test(tag);
}

/** fs/ggml ParseFileType: the types Ollama quantizes to, upper-cased. */
const FILE_TYPES: Record<string, string> = {
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  Q8_0: 'Q8_0',
  Q4_K_S: 'Q4_K_S',
  Q4_K_M: 'Q4_K_M',
  Q4_K: 'Q4_K_M',
};
/** Bytes of a quantized file per byte of F16, roughly (bits per weight / 16). */
const QUANT_RATIO: Record<string, number> = {
  F32: 2,
  F16: 1,
  BF16: 1,
  Q8_0: 8.5 / 16,
  Q4_K_S: 4.6 / 16,
  Q4_K_M: 4.9 / 16,
};

export interface CreateDeps extends PullDeps {
  /** Blobs already written (content digests): a new layer with the same content is "using existing layer". */
  readonly blobs: Set<string>;
}

export function create(deps: CreateDeps, ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
  return whilePulling(deps, ex, () => createNow(deps, ex, body, failure));
}

async function createNow(deps: CreateDeps, ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
  const sent = str(body['model']) || str(body['name']);
  if (!validName(sent)) throw new HttpError(400, 'invalid model name');
  const from = str(body['from']);
  if (!from && !isRecord(body['files'])) throw new HttpError(400, "neither 'from' or 'files' was specified");
  if (!from) throw new HttpError(400, 'no files provided to convert'); // this fake has no blobs to convert
  if (!validName(from)) throw new HttpError(400, 'invalid model name');
  const stream = body['stream'] !== false;
  let sentLines = 0;
  const emit = (obj: Json): void => {
    if (ex.closed) throw new Aborted();
    if (failure?.afterChunks === sentLines) throw new HttpError(failStatus(failure), failure.error);
    sentLines++;
    if (stream) ex.line(obj);
  };

  let base = deps.models.get(nameKey(from));
  if (!base) {
    // parseFromModel: a base that is not installed is pulled first
    emit({ status: 'pulling manifest' });
    await sleep(deps.pullChunkDelayMs, ex.signal);
    const reg = deps.registry.get(nameKey(from));
    if (!reg) throw new HttpError(500, 'pull model manifest: file does not exist');
    deps.addModel({ ...reg, modifiedAt: new Date().toISOString() });
    base = deps.models.get(nameKey(from))!;
  }

  const quantize = str(body['quantize']).toUpperCase();
  // a pulled model's size is its weights, template (1429 bytes) and parameters (96): pull.ts layersOf
  let weights = {
    digest: weightsDigestOf(base),
    size: base.made?.weightsSize ?? (base.size < 10_000 ? base.size : base.size - 1429 - 96),
    quantization: base.quantization,
  };
  if (quantize) {
    const want = FILE_TYPES[quantize];
    if (!want)
      throw new HttpError(
        500,
        `unsupported quantization type ${quantize} - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0`,
      );
    if (!['F16', 'BF16', 'F32'].includes(base.quantization.toUpperCase()))
      throw new HttpError(500, 'quantization is only supported for F16, BF16 and F32 models');
    if (want !== base.quantization.toUpperCase()) {
      const size = Math.round((base.size * QUANT_RATIO[want]!) / (QUANT_RATIO[base.quantization.toUpperCase()] ?? 1));
      for (let step = 1; step <= 4; step++) {
        emit({
          status: `quantizing ${base.quantization.toUpperCase()} model to ${want}`,
          digest: '0000000000000000000',
          total: base.size,
          completed: Math.floor((base.size * step) / 4),
        });
        await sleep(deps.pullChunkDelayMs, ex.signal);
      }
      weights = { digest: sha(`${weights.digest}\0${want}`), size, quantization: want };
    }
  }

  const fromName = normalizeName(base.name);
  const made = madeFields(base, body, fromName);
  // the base's layers kept (setTemplate, setSystem, setParameters, setMessages replace their own kind), then
  // the new ones
  const layers: Array<{ status: string; size: number }> = [
    { status: `using existing layer sha256:${weights.digest}`, size: weights.size },
  ];
  const added: Array<{ status: string; size: number }> = [];
  const kept = (kind: string, text: string | undefined, size: number) =>
    layers.push({ status: `using existing layer sha256:${sha(`${fromName}\0${kind}\0${text ?? ''}`)}`, size });
  const newLayer = (content: string) => {
    const digest = sha(content);
    added.push({
      status: `${deps.blobs.has(digest) ? 'using existing' : 'creating new'} layer sha256:${digest}`,
      size: Buffer.byteLength(content),
    });
    deps.blobs.add(digest);
  };
  const given = (k: string) =>
    k === 'parameters'
      ? isRecord(body[k]) && Object.keys(body[k]).length > 0
      : k === 'messages'
        ? Array.isArray(body[k]) && body[k].length > 0
        : str(body[k]) !== '';
  if (!given('template')) kept('template', base.made?.template, base.made?.template?.length ?? 1429);
  if (!given('parameters')) kept('params', JSON.stringify(made.parameters), 96);
  if (!given('system') && base.made?.system) kept('system', base.made.system, base.made.system.length);
  if (!given('messages') && base.made?.messages) kept('messages', JSON.stringify(base.made.messages), 100);
  if (given('template')) newLayer(str(body['template']));
  if (given('system')) newLayer(str(body['system']));
  if (given('parameters')) newLayer(`${JSON.stringify(made.parameters)}\n`);
  if (given('messages')) newLayer(`${JSON.stringify(body['messages'])}\n`);
  layers.push(...added);
  for (const l of layers) {
    emit({ status: l.status });
    await sleep(deps.pullChunkDelayMs, ex.signal);
  }
  emit({ status: 'writing manifest' });
  if (ex.closed) throw new Aborted();
  if (failure && failure.afterChunks !== undefined && failure.afterChunks >= sentLines)
    throw new HttpError(failStatus(failure), failure.error);
  const size = layers.reduce((s, l) => s + l.size, 0);
  const model: FakeModel = {
    ...base,
    name: normalizeName(sent),
    size,
    quantization: weights.quantization,
    digest: sha(`${sent}\0${layers.map((l) => l.status).join()}`),
    modifiedAt: new Date().toISOString(),
    made: { ...made, weightsDigest: weights.digest, weightsSize: weights.size },
  };
  deps.addModel(model);
  if (stream) {
    ex.line({ status: 'success' });
    ex.end();
  } else ex.json(200, { status: 'success' });
}

/**
 * What the made model carries: the base's parameters with the new ones over them (setParameters), its system,
 * template and messages.
 */
function madeFields(base: FakeModel, body: Json, fromName: string): Omit<MadeFields, 'weightsDigest' | 'weightsSize'> {
  const parameters = { ...baseParameters(base), ...(isRecord(body['parameters']) ? body['parameters'] : {}) };
  const system = str(body['system']) || base.made?.system;
  const template = str(body['template']) || base.made?.template;
  const messages =
    Array.isArray(body['messages']) && body['messages'].length > 0 ? (body['messages'] as Json[]) : base.made?.messages;
  return {
    parentModel: fromName,
    basename: base.made?.basename ?? base.name.split(':')[0]!,
    parameters,
    ...(system && { system }),
    ...(template && { template }),
    ...(messages && { messages }),
  };
}

export function copy(deps: PullDeps, ex: Exchange, body: Json): void {
  const source = str(body['source']);
  const destination = str(body['destination']);
  if (!validName(source)) throw new HttpError(400, `source ${JSON.stringify(source)} is invalid`);
  if (!validName(destination)) throw new HttpError(400, `destination ${JSON.stringify(destination)} is invalid`);
  const m = deps.models.get(nameKey(source));
  if (!m) throw new HttpError(404, `model ${JSON.stringify(source)} not found`);
  // the same manifest under another name: same digest, same layers
  deps.addModel({ ...m, name: normalizeName(destination), digest: digestOf(m), modifiedAt: new Date().toISOString() });
  if (ex.closed) return;
  ex.res.writeHead(200, { 'Content-Length': 0 });
  ex.res.end();
}
