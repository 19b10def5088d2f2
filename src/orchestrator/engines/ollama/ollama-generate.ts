/**
 * Ollama's side of a generation: one streamed /api/generate, its NDJSON lines (checked where they
 * entered: ollama-fetch.ts) passed on as the answer's pieces, and the done line's counts and
 * times returned. A host sending many lines without text is stopped: no answer of Ollama's does.
 */
import type { Ollama } from 'ollama';
import type { GenerateDone, GenerateRequest } from '../engine.js';
import { HostError } from '../host-error.js';

/** Lines with no text tolerated in one answer (a real one has a handful: the last, a role change). */
const EMPTY_LINES = 256;
const ns2ms = (ns: number | undefined) => (ns ? Math.round(ns / 1e6) : undefined);

export async function ollamaGenerate(c: Ollama, req: GenerateRequest, who: { who: string; host: string }): Promise<GenerateDone> {
  const stream = await c.generate({
    model: req.model,
    prompt: req.prompt,
    stream: true,
    keep_alive: req.keepAlive,
    // sampling options only when asked for: the model's own (its Modelfile) apply otherwise
    options: { num_ctx: req.numCtx, num_predict: req.maxTokens, ...(req.temperature !== undefined && { temperature: req.temperature }), ...(req.topP !== undefined && { top_p: req.topP }) },
    ...(req.system && { system: req.system }),
    ...(req.think && { think: true }),
    // Ollama's own form: "json", or the JSON Schema itself
    ...(req.format !== undefined && { format: req.format }),
    // bytes, never strings: the client reads any string that names an existing file and sends that file
    ...(req.images?.length && { images: req.images.map((b64) => Buffer.from(b64, 'base64')) }),
  });
  let lines = 0;
  let withText = 0;
  for await (const chunk of stream) {
    lines++;
    if (chunk.response || chunk.thinking) {
      withText++;
      const stop = req.onDelta({ ...(chunk.response && { text: chunk.response }), ...(chunk.thinking && { thinking: chunk.thinking }) });
      if (stop === 'stop' && !chunk.done) {
        stream.abort();
        return { doneReason: 'length' };
      }
    }
    if (chunk.done) {
      const evalMs = ns2ms(chunk.eval_duration);
      const loadMs = ns2ms(chunk.load_duration);
      return {
        doneReason: chunk.done_reason || 'stop',
        ...(chunk.prompt_eval_count !== undefined && { promptTokens: chunk.prompt_eval_count }),
        ...(chunk.eval_count !== undefined && { outputTokens: chunk.eval_count }),
        ...(evalMs !== undefined && { generatingMs: chunk.eval_duration / 1e6 }),
        ...(loadMs !== undefined && { loadMs }),
      };
    }
    if (lines - withText > EMPTY_LINES) {
      stream.abort();
      throw new HostError('bad_response', `${who.who} sent ${lines - withText} lines without text for ${JSON.stringify(req.model)}, which no answer of Ollama's does, and was stopped — is Ollama (and not another server) listening there?`, who.host);
    }
  }
  throw new Error('the stream ended before Ollama said it was done');
}
