/**
 * /api/pull and /api/delete of the fake Ollama: pulls stream progress lines per layer from a
 * fake registry and install the model only once the pull completed; a delete removes exactly
 * the name given (case-insensitively) and does not unload a running model.
 */
import { createHash } from 'node:crypto';
import { type FakeModel, digestOf } from './models.js';
import { nameKey, normalizeName } from './names.js';
import { Aborted, type Exchange, type Failure, HttpError, type Json, failStatus, sleep, str } from './exchange.js';

/** What the handlers need from the server. Both maps are keyed by nameKey(). */
export interface PullDeps {
  /** Delay between pull progress lines. */
  readonly pullChunkDelayMs: number;
  /** Models that can be pulled. */
  readonly registry: ReadonlyMap<string, FakeModel>;
  /** Installed models. */
  readonly models: ReadonlyMap<string, FakeModel>;
  addModel(m: FakeModel): void;
  /** Uninstall a model (exactly that name; a running model stays loaded). */
  removeModel(name: string): void;
  /** The pulls streaming now (each one's exchange while it runs). */
  readonly pulling?: Set<object>;
}

/** Runs a streamed download-like request (a pull, a create) counted among `deps.pulling` while it runs. */
export async function whilePulling(
  deps: Pick<PullDeps, 'pulling'>,
  ex: Exchange,
  run: () => Promise<void>,
): Promise<void> {
  deps.pulling?.add(ex);
  try {
    await run();
  } finally {
    deps.pulling?.delete(ex);
  }
}

export function pull(deps: PullDeps, ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
  return whilePulling(deps, ex, () => pullNow(deps, ex, body, failure));
}

async function pullNow(deps: PullDeps, ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
  const sent = str(body['model']) || str(body['name']);
  if (!sent) throw new HttpError(400, 'invalid model name');
  const stream = body['stream'] !== false;
  let sentLines = 0;
  const emit = (obj: Json): void => {
    if (ex.closed) throw new Aborted();
    if (failure?.afterChunks === sentLines) throw new HttpError(failStatus(failure), failure.error);
    sentLines++;
    if (stream) ex.line(obj);
  };
  const tick = async (): Promise<void> => {
    await sleep(deps.pullChunkDelayMs, ex.signal);
    if (ex.closed) throw new Aborted();
  };

  emit({ status: 'pulling manifest' });
  await tick();
  const reg = deps.registry.get(nameKey(sent));
  if (!reg) throw new HttpError(500, 'pull model manifest: file does not exist');
  const present = deps.models.get(nameKey(sent));
  const layers = layersOf(reg);
  for (const layer of layers) {
    const status = `pulling ${layer.digest.slice(0, 12)}`;
    const digest = `sha256:${layer.digest}`;
    if (present) {
      emit({ status, digest, total: layer.size, completed: layer.size });
      continue;
    }
    emit({ status, digest, total: layer.size });
    const steps = layer.size > 1_000_000 ? 8 : 1;
    for (let s = 1; s <= steps; s++) {
      await tick();
      emit({
        status,
        digest,
        total: layer.size,
        completed: s === steps ? layer.size : Math.floor((layer.size * s) / steps),
      });
    }
  }
  emit({ status: 'verifying sha256 digest' });
  if (!present) await tick();
  emit({ status: 'writing manifest' });
  if (!present) await tick();
  if (ex.closed) throw new Aborted();
  if (failure && failure.afterChunks !== undefined && failure.afterChunks >= sentLines) {
    throw new HttpError(failStatus(failure), failure.error);
  }
  deps.addModel({ ...reg, modifiedAt: new Date().toISOString() });
  if (stream) {
    ex.line({ status: 'success' });
    ex.end();
  } else ex.json(200, { status: 'success' });
}

export function del(deps: PullDeps, ex: Exchange, body: Json): void {
  const sent = str(body['model']) || str(body['name']);
  if (!sent) throw new HttpError(400, `name "" is invalid`);
  if (!deps.models.has(nameKey(sent))) throw new HttpError(404, `model '${sent}' not found`);
  deps.removeModel(sent);
  if (ex.closed) return;
  ex.res.writeHead(200, { 'Content-Length': 0 });
  ex.res.end();
}

/** Layers of a registry model: weights + template + params (one layer for tiny models), summing to size. */
function layersOf(m: FakeModel): Array<{ digest: string; size: number }> {
  const h = (kind: string): string =>
    createHash('sha256')
      .update(`${normalizeName(m.name)}\0${kind}`)
      .digest('hex');
  if (m.size < 10_000) return [{ digest: digestOf(m), size: m.size }];
  const template = 1429;
  const params = 96;
  return [
    { digest: h('weights'), size: m.size - template - params },
    { digest: h('template'), size: template },
    { digest: h('params'), size: params },
  ];
}
