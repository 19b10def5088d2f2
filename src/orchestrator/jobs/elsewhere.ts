/**
 * When no local engine answered (every host down, or every candidate failed, whatever the
 * failure): the cloud fallback, the last member of the fleet — else the error that lists every
 * attempt. A call restricted to one model (`only`: compare) never goes elsewhere. Inputs read by
 * path (files, diffs, images) never go to the fallback unless `fallback.sendInputs` allows it:
 * refused here when the call says it carries them, and by the fallback itself whenever the request
 * holds any text or image the input readers read (KeptLocalError), however the prompt was built.
 */
import { cancelledText } from '../util/stopping.js';
import { HostError, KeptLocalError } from '../engines/host-error.js';
import type { Fallback } from '../engines/engine.js';
import type { Prepared } from '../route/route-prepare.js';
import { RouteError, type Attempt, type RouteRequest, type RouteResult } from '../generation/route-types.js';

/** Each attempt in a clause, its own closing period dropped: "….; …" never (issue 83, finding 3). */
function describeAttempts(attempts: Attempt[]): string {
  return attempts.map((a) => `${a.model}: ${a.error.replace(/[.\s]+$/, '')}`).join('; ');
}

/** The plan that found no local answer: its request, the request as shaped (route-prepare.ts), and every attempt. */
export interface Elsewhere {
  req: RouteRequest;
  ask: Pick<Prepared, 'work' | 'system' | 'prompt' | 'maxTokens' | 'temperature' | 'notes'>;
  attempts: Attempt[];
}

export async function answerElsewhere(fallback: Fallback | undefined, plan: Elsewhere): Promise<RouteResult> {
  const { req, attempts } = plan;
  const c = plan.ask;
  const what = attempts.length ? 'No local model answered' : 'No local model could take this';
  // the named model or nothing: never another engine's answer under its name
  if (req.only)
    throw new RouteError(describeAttempts(attempts) || `${req.model ?? 'the model'} could not answer`, attempts);
  const keptLocal = (why: string) =>
    new RouteError(
      `${what} (${describeAttempts(attempts)}). It stopped there: ${why}, and they are not sent ` +
        `to the cloud fallback (${fallback!.host}) unless fallback.sendInputs is true in settings. ` +
        `Fix what the attempts name, do the task yourself, or allow it with fallback.sendInputs: true.`,
      attempts,
    );
  if (fallback && req.inputsByReference && !fallback.sendInputs)
    throw keptLocal('the inputs were read from this machine by path');
  const started = performance.now();
  const out = fallback
    ? await fallback
        .answer(
          {
            prompt: c.prompt,
            maxTokens: c.maxTokens,
            temperature: c.temperature,
            ...(c.system && { system: c.system }),
            ...(req.images && { images: req.images }),
            ...(req.format && { format: req.format.format }),
            ...(req.signal && { signal: req.signal }),
            onTry: (model) =>
              req.progress?.enter({
                kind: 'starting',
                what: `no local model answered; asking the cloud fallback (${model})`,
              }),
            ...(req.onProgress && { onToken: (n: number, model: string) => req.onProgress!(n, model) }),
          },
          attempts,
        )
        .catch((err: unknown) => {
          if (err instanceof KeptLocalError)
            throw keptLocal(`the prompt holds text of ${err.source}, read from this machine`);
          throw err;
        })
    : undefined;
  if (req.signal?.aborted)
    throw new HostError('aborted', cancelledText('route_and_generate', req.signal), fallback?.host ?? 'local');
  // an answer not of the format asked for is set aside, as a local one would be
  const verdict = out && req.format?.check(out.text);
  if (out && verdict && !verdict.ok)
    attempts.push({ model: `fallback ${out.model}`, error: `its answer was set aside: ${verdict.why}` });
  else if (out) {
    const result: RouteResult = {
      model: out.model,
      provider: 'fallback',
      host: 'fallback',
      task: c.work.task, // as the ranking left them
      profile: c.work.profile,
      complexity: c.work.complexity,
      reason: `${what}, so the configured cloud fallback ${out.address} (${out.model}) answered.`,
      fallbacks: attempts,
      text: out.text,
      doneReason: out.doneReason,
      contextLength: 0,
      metrics: {
        totalMs: Math.round(performance.now() - started),
        loadMs: 0,
        queueMs: 0,
        timeToFirstTokenMs: out.timeToFirstTokenMs,
        promptTokens: out.promptTokens,
        outputTokens: out.outputTokens,
        tokensPerSecond: out.tokensPerSecond,
      },
    };
    if (verdict?.ok) result.json = verdict.value;
    if (out.thinking) result.thinking = out.thinking;
    return c.notes.length > 0 ? { ...result, notes: c.notes } : result;
  }
  throw new RouteError(
    `No local model could do this (${describeAttempts(attempts)}). Do the task yourself, or fix ` +
      `what the attempts name and try again.`,
    attempts,
  );
}
