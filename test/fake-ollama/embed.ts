/**
 * /api/embed and the legacy /api/embeddings of the fake Ollama. An embedding model is loaded
 * here (it appears in /api/ps, with one slot whatever OLLAMA_NUM_PARALLEL says); vectors are
 * deterministic unit vectors from the model and the text.
 */
import { createHash } from 'node:crypto';
import { type FakeModel, archParams } from './models.js';
import { type Exchange, HttpError, type Json, nsSince, sleep, str } from './exchange.js';
import { type GenerationDeps, withRunner } from './generation.js';
import { cloudGate, isCloudRequest } from './cloud.js';

function words(s: string): number {
  return s.match(/\S+/g)?.length ?? 0;
}

/**
 * The model a request names (400 when missing, 404 when not installed); undefined when answered already
 * (cloud, no sign-in).
 */
function requested(deps: GenerationDeps, ex: Exchange, body: Json): { sent: string; model: FakeModel } | undefined {
  const sent = str(body['model']);
  if (!sent) throw new HttpError(400, 'model is required');
  const model = deps.findModel(sent);
  if (isCloudRequest(sent, model) && !cloudGate(ex, deps.cloudSignedIn())) return undefined;
  return { sent, model };
}

export async function embed(deps: GenerationDeps, ex: Exchange, body: Json): Promise<void> {
  const found = requested(deps, ex, body);
  if (!found) return;
  const { sent, model } = found;
  const input = body['input'];
  let inputs: string[];
  if (input === undefined || input === null) inputs = [];
  else if (typeof input === 'string') inputs = input === '' ? [] : [input];
  else if (Array.isArray(input) && input.every((x) => typeof x === 'string')) inputs = input as string[];
  else throw new HttpError(400, 'invalid input type');
  await withRunner(deps, ex, body, model, async ({ loadNs, slot }) => {
    if (inputs.length === 0) return ex.json(200, { model: sent, embeddings: [] });
    await slot();
    await sleep(deps.tokenDelayMs, ex.signal);
    if (ex.closed) return;
    const dims =
      typeof body['dimensions'] === 'number' && body['dimensions'] > 0 ? Math.floor(body['dimensions']) : undefined;
    const embeddings = inputs.map((s) => fakeVector(model, s, dims));
    const res: Json = { model: sent, embeddings, total_duration: nsSince(ex.start) };
    if (loadNs > 0) res['load_duration'] = loadNs;
    res['prompt_eval_count'] = inputs.reduce((n, s) => n + Math.max(1, words(s)), 0);
    ex.json(200, res);
  });
}

/** Legacy /api/embeddings {model, prompt} → {embedding: [...]}. */
export async function embeddings(deps: GenerationDeps, ex: Exchange, body: Json): Promise<void> {
  const found = requested(deps, ex, body);
  if (!found) return;
  const { model } = found;
  await withRunner(deps, ex, body, model, async () => {
    const prompt = str(body['prompt']);
    ex.json(200, { embedding: prompt === '' ? [] : fakeVector(model, prompt) });
  });
}

/** Deterministic unit-length vector from model + text. */
function fakeVector(model: FakeModel, text: string, dims?: number): number[] {
  const n = dims ?? archParams(model).embeddingLength;
  const out: number[] = [];
  let block = Buffer.alloc(0);
  let counter = 0;
  for (let i = 0; i < n; i++) {
    const off = (i * 2) % 32;
    if (off === 0) block = createHash('sha256').update(`${model.name}\0${text}\0${counter++}`).digest();
    out.push((block.readUInt16BE(off) / 65535) * 2 - 1);
  }
  const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
  return out.map((x) => x / norm);
}
