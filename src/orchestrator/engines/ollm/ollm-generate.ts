/**
 * A generation on another ollm-mcp: its route_and_generate with the model named, this server's
 * calling agent in the request's _meta (the box names the call `<token's name>/<agent>`), and what
 * the box does meanwhile followed through its progress notifications ("N tokens generated": each
 * new token told to onDelta as an empty piece, so the stream's watch sees it alive). The answer
 * comes whole at the end and is told once (a 'stop' said to it ends the call with 'length'; a
 * signal aborted meanwhile, with 'aborted'). Another model's answer — the box's own fallback — is
 * refused, never taken for the named model's. A call the box hands over to a job (past what it takes
 * this client to wait) is repeated — the same call waits for that job there — until the whole
 * answer comes, within this call's signal. Nothing is sent but the prompt and its limits: no
 * `files`, no paths; inputs were read here and split here for the box's model window.
 */
import type { CallOptions } from '../engine.js';
import type { GenerateDone, GenerateRequest } from '../engine-requests.js';
import { HostError } from '../host-error.js';
import { log } from '../../util/log.js';
import { cancelledText } from '../../util/stopping.js';
import { AGENT_META_KEY, OWNER_KEY, OWNER_META_KEY } from '../../config/agents.js';
import { boxAnswer, boxRefusal } from './ollm-answers.js';
import type { BoxRef } from './ollm-schemas.js';
import type { BoxConnection } from './ollm-client.js';

/** Longest silence of the box (no progress, no answer) before the call is given up, ms. */
const GENERATE_SILENCE_MS = 10 * 60_000;
/** Most times a handed-over call is repeated (each waits up to the box's limit for its client). */
const MAX_ROUNDS = 1000;

/** The tokens a progress message says were generated so far ("qwen3:8b: 42 tokens generated, 30 tok/s"). */
export function tokensIn(message: string | undefined): number | undefined {
  const m = message ? /(\d{1,9}) tokens? generated/.exec(message) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * What route_and_generate is sent: the prompt and its limits, the model named; never a path. The answer's limit
 * only when someone set one (the caller, the settings): a default is no need of the call's — sent, the box would
 * hold the model's window to it as to a caller's and refuse a small window a call of its own fits —, so the box
 * applies its own, fitted to the window.
 */
export function generateArgs(req: GenerateRequest): Record<string, unknown> {
  return {
    prompt: req.prompt,
    model: req.model,
    ...(req.askedMaxTokens !== undefined && { maxTokens: req.askedMaxTokens }),
    useMemory: false, // remembered facts are this server's business, in the prompt already
    ...(req.system && { system: req.system }),
    ...(req.temperature !== undefined && { temperature: req.temperature }),
    ...(req.format !== undefined && { format: req.format }),
    ...(req.images?.length && { images: req.images }),
  };
}

/**
 * The box answered with `other`, not the model named: the named one's failure there (not installed:
 * model_not_found), else trouble there.
 */
function otherModel(ref: BoxRef, model: string, other: string, failed: string | undefined): HostError {
  const why = failed === undefined ? 'no reason given' : failed.length > 500 ? `${failed.slice(0, 500)}…` : failed;
  const kind = /not installed|no model named|unknown model|not found/i.test(why) ? 'model_not_found' : 'server_error';
  log.warn(
    `${ref.who} answered with ${other}, not ${model} (its own fallback); its answer is not taken for ${model}'s`,
  );
  return new HostError(
    kind,
    `${ref.who} did not run ${JSON.stringify(model)} (${why}) and answered with ` +
      `${JSON.stringify(other)} instead — not taken for ${JSON.stringify(model)}'s answer; the ` +
      `next model is tried here.`,
    ref.host,
  );
}

export async function boxGenerate(
  box: BoxConnection,
  ref: BoxRef,
  req: GenerateRequest,
  options: CallOptions,
): Promise<GenerateDone> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let told = 0;
  const onProgress = (message: string | undefined) => {
    const n = tokensIn(message);
    if (n === undefined) return;
    for (const upTo = Math.min(n, req.maxTokens); told < upTo && !stop.signal.aborted; told++)
      if (req.onDelta({}) === 'stop') stop.abort();
  };
  const args = generateArgs(req);
  // who asks, and whose the prompt is: the box keeps its engines' caches apart by that owner as this server does
  const meta = req.agent
    ? {
        [AGENT_META_KEY]: req.agent,
        ...(req.owner !== undefined && OWNER_KEY.test(req.owner) && { [OWNER_META_KEY]: req.owner }),
      }
    : undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let result;
    try {
      result = await box.callTool('route_and_generate', args, {
        signal,
        timeoutMs: GENERATE_SILENCE_MS,
        onProgress,
        ...(meta && { meta }),
      });
    } catch (err) {
      if (stop.signal.aborted && !options.signal?.aborted) return { doneReason: 'length' }; // stopped here by onDelta
      throw err;
    }
    if (result.isError) throw boxRefusal('route_and_generate', result.content, ref, req.model);
    const answer = boxAnswer(result.structuredContent, ref);
    if (answer.kind === 'job') continue; // the same call again waits for that job there
    // another model's answer is never taken for this one's (a box that does not take this server's
    // call as relayed — no named token — may fall back): the model named failed there, as it says
    if (answer.model && answer.model !== req.model)
      throw otherModel(ref, req.model, answer.model, answer.fallbacks?.find((f) => f.model === req.model)?.error);
    let stopped = answer.thinking !== undefined && req.onDelta({ thinking: answer.thinking }) === 'stop';
    if (!stopped) stopped = req.onDelta({ text: answer.text }) === 'stop';
    // cancelled while the answer was told: a cancelled generation never answers
    if (options.signal?.aborted)
      throw new HostError('aborted', cancelledText(`generation on ${ref.who}`, options.signal), ref.host);
    return stopped ? { ...answer.done, doneReason: 'length' } : answer.done;
  }
  throw new HostError('timeout', `${ref.who} handed the call over ${MAX_ROUNDS} times without an answer.`, ref.host);
}
