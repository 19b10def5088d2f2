import * as z from 'zod';
import { keepAliveProblem, TASK_TYPES } from '../orchestrator/index.js';
import { NAMED, smartLoad, type SmartLoadOutcome } from '../orchestrator/jobs/smart-load.js';
import { downLines } from '../orchestrator/fleet/fleet-reads.js';
import { HostError } from '../orchestrator/index.js';
import { defineTool } from './define.js';

/** A number written as text: "300", "-1", "1e+21" (what String gives for a number). */
const NUMBER_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i;

/** What keepAlive may be, as an invalid call is told. */
const KEEP_ALIVE_FORMS = 'a number of seconds or a duration like "10m"';

/** keep_alive as Ollama takes it: seconds in text as a number (it refuses "-1"), a duration as it is. */
const asKeepAlive = (s: string): string | number => (NUMBER_TEXT.test(s) ? Number(s) : s);

/**
 * keep_alive, published with one type, a string (issue 83: a `["number","string"]` union is refused by clients
 * that map schemas onto single-type dialects, such as Gemini's function declarations): a duration ("15m") or
 * seconds ("300", "-1"). A number is taken too, as its text.
 */
const keepAlive = z
  .preprocess(
    (v, ctx) => {
      if (typeof v === 'number') return String(v);
      // said here, as what is allowed: a type error would read "must be a string"
      if (typeof v !== 'string') ctx.addIssue({ code: 'custom', message: KEEP_ALIVE_FORMS });
      return v;
    },
    z.string().superRefine((v, ctx) => {
      const problem = keepAliveProblem(asKeepAlive(v));
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  )
  .describe('Seconds or "15m"; <0: forever.');

/** A sentence ends with one full stop, whatever the parts it is made of end with. */
const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

/** keep_alive in words: "5 min", "90 s", "15m" as given, or "until unloaded". */
function idleTime(k: string | number): string {
  if (typeof k === 'string') return /^-/.test(k.trim()) ? 'until unloaded' : k;
  if (k < 0) return 'until unloaded';
  return k >= 60 && k % 60 === 0 ? `${k / 60} min` : `${k} s`;
}

function render(o: SmartLoadOutcome): string {
  const head = {
    already_loaded: `${o.model} is already loaded.`,
    loaded:
      `Loaded ` +
      `${o.model}${o.loadMs !== undefined ? ` in ${(o.loadMs / 1000).toFixed(1)} s` : ''}${o.unloaded.length ? ` after unloading ${o.unloaded.join(', ')}` : ''}.`,
    would_load:
      `Dry run: would load ` +
      `${o.model}${o.unloaded.length ? ` after unloading ${o.unloaded.join(', ')}` : ' without unloading anything'}.`,
    refused: `Not loading ${o.model}: it does not fit.`,
  }[o.action];
  const reason = o.reason.trim() === head ? [] : [sentence(o.reason)];
  const idle = idleTime(o.keepAlive);
  const stay =
    o.action === 'refused'
      ? []
      : [
          o.pinned
            ? 'Pinned: kept loaded while the server runs.'
            : idle === 'until unloaded'
              ? 'Stays loaded until unloaded.'
              : `Unloads after ${idle} idle.`,
        ];
  const chosen = o.choice === NAMED ? [] : [`Chosen because: ${sentence(o.choice)}`];
  return [head, ...reason, ...chosen, ...stay, ...downLines(o.unreachable ?? []), ...(o.notes ?? [])].join('\n');
}

export const smartLoadTool = defineTool({
  name: 'smart_load',
  title: 'Load a model without overcommitting memory',
  description: 'Loads a model, or the best for a task, within memory.',
  inputSchema: z.object({
    model: z.string().min(1).optional().describe('Omit to choose by task.'),
    host: z.string().min(1).optional(),
    task: z.enum(TASK_TYPES).optional(),
    keepAlive: keepAlive.optional(),
    pin: z.boolean().optional().describe('Keep loaded.'),
    dryRun: z.boolean().optional().describe('Plan only.'),
  }),
  outputSchema: z.object({
    model: z.string(),
    action: z.enum(['already_loaded', 'loaded', 'would_load', 'refused']),
    unloaded: z.array(z.string()).describe('models unloaded to make room (in a dry run: that would be)'),
    requiredBytes: z
      .number()
      .describe(
        'what it needs where it runs: VRAM (weights + KV + buffers) on a GPU host, size × (1 + ' +
          'safety margin) + KV cache in RAM otherwise',
      ),
    availableBytes: z.number().describe('room for it before unloading anything (on a GPU host: 80% of free VRAM)'),
    reason: z.string(),
    choice: z.string().describe('why this model'),
    keepAlive: z.string().describe('as asked: a duration, or seconds ("300"; <0: forever)'),
    pinned: z.boolean(),
    contextLength: z.number().describe('num_ctx the model runs with'),
    contextRaisedFrom: z.number().optional().describe('the context it was loaded with before this reload'),
    loadMs: z.number().optional(),
    unloadWaitMs: z.number().optional().describe('how long Ollama took to free the memory of the models unloaded'),
    fitsInVram: z.boolean().optional(),
    obtainableBytes: z.number().optional(),
    alternative: z.object({ model: z.string(), why: z.string() }).optional(),
    host: z.string().optional().describe('the Ollama host it acted on, when there are several'),
    unreachable: z
      .array(z.object({ name: z.string(), url: z.string(), error: z.string(), next: z.string() }))
      .optional()
      .describe('Ollama hosts that do not answer now, with what to do'),
    notes: z
      .array(z.string())
      .optional()
      .describe('what happened since the last answer, e.g. a pinned model loaded again'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch, signal, phases, agent }) {
    const { keepAlive: asked, ...args } = input;
    const outcome = await smartLoad(orch, {
      ...args,
      ...(asked !== undefined && { keepAlive: asKeepAlive(asked) }),
      signal,
      ...(phases && { progress: phases }),
      agent,
    });
    // A refusal is a failure the caller must act on: an error result, with the numbers and the smaller alternative.
    if (outcome.action === 'refused') throw new HostError('out_of_memory', render(outcome), outcome.host ?? orch.host);
    // waitFor is the loader's, for a refusal it may wait out (busy-wait.ts): never part of an answer
    const { waitFor: _busy, ...rest } = outcome;
    // one type published (a string), as the input's: seconds as text
    return { structured: { ...rest, keepAlive: String(outcome.keepAlive) }, text: render(outcome) };
  },
});
