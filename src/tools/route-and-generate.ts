import * as z from 'zod';
import { PROFILE_NAMES, TASK_TYPES } from '../orchestrator/index.js';
import { routeAndGenerate, type RouteResult } from '../orchestrator/jobs/route.js';
import { offload, type OffloadResult } from '../orchestrator/jobs/offload.js';
import { defineTool } from './define.js';
import type { ToolContext } from './tool-types.js';
import { withNotice } from './memory-schemas.js';
import { workRecordSchema } from './schemas.js';
import {
  formatField,
  inputFields,
  ledgerSchema,
  readInputArgs,
  readSchema,
  splitSchema,
  withLedgerLine,
  type InputArgs,
  type ReadSummary,
} from './offload-io.js';
import { prepareFormat } from '../orchestrator/generation/answer-format.js';
import { clientLimitField } from '../orchestrator/config/client-limits.js';
import { asJob, callKey, jobSchema, type JobInfo } from './long-call.js';
import type { JobControl } from '../orchestrator/jobs/long-work.js';
import { promptOwner } from './prompt-owner.js';
import { refuseBlank } from './blank-prompt.js';

export const routeResultSchema = z.object({
  model: z.string(),
  provider: z
    .enum(['ollama', 'llamacpp', 'openai', 'ollm', 'fallback'])
    .describe('The engine kind that answered (ollm: another ollm-mcp); fallback: the cloud fallback'),
  host: z.string().optional().describe('the OpenAI-compatible host that answered, when not Ollama'),
  task: z.string(),
  profile: z.string(),
  complexity: z.string(),
  reason: z.string().describe('why this model, in one sentence'),
  fallbacks: z
    .array(z.object({ model: z.string(), error: z.string() }))
    .describe('models tried before, and why each failed'),
  text: z.string(),
  answerId: z
    .string()
    .optional()
    .describe('once you have checked the answer, pass this to rate_answer with good or bad: routing learns from it'),
  thinking: z.string().optional().describe("a thinking model's reasoning, apart from the answer"),
  json: z.unknown().optional().describe('the answer parsed, when format was given (the text is this JSON)'),
  doneReason: z.string().describe('stop, or length when maxTokens cut the answer'),
  contextLength: z.number(),
  metrics: z
    .object({
      totalMs: z.number(),
      loadMs: z.number().describe('loading the model (0 when it was loaded)'),
      queueMs: z.number().describe('queued behind other requests of this server on the model'),
      timeToFirstTokenMs: z.number().describe('from leaving the queue to the first token: Ollama reading the prompt'),
      promptTokens: z.number(),
      outputTokens: z.number(),
      tokensPerSecond: z.number(),
      promptMs: z.number().optional(),
      cachedPromptTokens: z.number().optional(),
      generationMs: z.number().optional(),
    })
    .describe('time by phase: loadMs, then queueMs, then timeToFirstTokenMs, then generating'),
  notes: z
    .array(z.string())
    .optional()
    .describe('what to know beside the answer, e.g. that remembered facts could not be read'),
  inputs: readSchema.optional(),
  split: splitSchema.optional(),
  citations: z
    .object({
      citations: z.array(
        z.object({
          raw: z.string(),
          path: z.string(),
          from: z.number(),
          to: z.number(),
          quote: z.string().optional(),
          verdict: z.enum(['verified', 'flagged', 'unchecked']),
          why: z.string().optional(),
        }),
      ),
      verified: z.number(),
      flagged: z.number(),
      unchecked: z
        .number()
        .describe('citations of what was not read (or outside what a diff shows): not counted against the answer'),
      summary: z.string(),
    })
    .optional()
    .describe('each path:line the answer cites, checked against what was read'),
  ledger: ledgerSchema.optional(),
  advice: z
    .object({
      expectedSeconds: z
        .number()
        .describe(
          'load (when not loaded), waiting for a slot (when all are busy), then an answer as long as ' +
            'expected at the expected speed: the whole job, every part and round of a split one',
        ),
      loadSeconds: z.number(),
      queueSeconds: z.number(),
      loaded: z.boolean(),
      tokensPerSecond: z.number(),
      speedMeasured: z.boolean().describe('false: guessed from the model size'),
      promptTokensPerSecond: z.number().optional(),
      promptSeconds: z.number().optional(),
      estimate: z.string().optional(),
      record: workRecordSchema.optional().describe('its track record for this kind of work here'),
      then: z.array(z.string()).describe('the models tried next if it failed'),
      part: z
        .object({ promptTokens: z.number(), maxTokens: z.number(), seconds: z.number() })
        .optional()
        .describe("a split job's part: its prompt, its answer's limit, its seconds alone"),
      answerTokens: z
        .number()
        .optional()
        .describe(
          "the answer's tokens expected (a part's, for a split job): as such answers ran here, else " +
            'typical of the work; maxTokens is only its bound',
        ),
      boundSeconds: z
        .number()
        .optional()
        .describe('the seconds should every answer run to its limit; left out when that is the time expected'),
      clientLimitSeconds: z
        .number()
        .optional()
        .describe('what your client waits for the call; left out when it waits as long as it takes'),
      handOverSeconds: z
        .number()
        .optional()
        .describe(
          'the job outlasts what your client waits: the call would be answered at this many seconds ' +
            'with the parts done, the rest running on as a job',
        ),
    })
    .optional()
    .describe('a dry run: what would happen; nothing was generated'),
});

/**
 * What route_and_generate gives: the route's result — or, when the call outlasted its client's
 * limit (long-call.ts), the text so far and the job it runs on as, without the route's fields.
 */
const routeOutputSchema = routeResultSchema
  .partial({
    model: true,
    provider: true,
    task: true,
    profile: true,
    complexity: true,
    reason: true,
    fallbacks: true,
    doneReason: true,
    contextLength: true,
    metrics: true,
  })
  .extend({ job: jobSchema.optional() });

/** The structured result of a handed-over call: the text so far and the job. */
type Routed = OffloadResult | { text: string; job: JobInfo };

/**
 * The answer, then one short line: who answered and how long it took (and how the input was split,
 * what was tried first, whether maxTokens cut it). The reason, every attempt, the answerId and the
 * notes are in the structured result; the read line and the ledger line follow (offload-io.ts).
 */
export function renderRoute(r: RouteResult): string {
  const m = r.metrics;
  const o = r as OffloadResult;
  const where = r.provider === 'fallback' ? ' (fallback provider)' : r.host ? ` on ${r.host}` : '';
  const extra = [
    ...(o.split ? [`the input was split into ${o.split.parts} parts (${o.split.calls} generations)`] : []),
    ...(r.fallbacks.length
      ? [`${r.fallbacks.length} tried first: ${shortAttempt(r.fallbacks[r.fallbacks.length - 1]!)}`]
      : []),
    ...(r.doneReason === 'length' ? ['cut at maxTokens'] : []),
  ];
  return (
    `${r.text}\n\n— ${r.model}${where}: ${m.outputTokens} tokens in ` +
    `${(m.totalMs / 1000).toFixed(1)} ` +
    `s${m.loadMs ? ` (load ${(m.loadMs / 1000).toFixed(1)} s)` : ''}${extra.length ? `; ${extra.join('; ')}` : ''}.`
  );
}

/** The last attempt in a few words: the model and the start of why. */
function shortAttempt(a: { model: string; error: string }): string {
  const why = a.error.length > 90 ? `${a.error.slice(0, 89)}…` : a.error;
  return `${a.model} (${why})`;
}

export const routeAndGenerateTool = defineTool({
  name: 'route_and_generate',
  title: 'Run a prompt on the best local model',
  description: 'Runs a prompt on the best local model, reading inputs by path.',
  inputSchema: z.object({
    prompt: z.string().min(1),
    system: z.string().optional(),
    task: z.enum(TASK_TYPES).optional(), // inferred if omitted, as any optional argument says
    profile: z.enum(PROFILE_NAMES).optional().describe('Overrides task.'),
    complexity: z.enum(['low', 'medium', 'high']).optional(),
    model: z.string().min(1).optional().describe('Only this model.'),
    ...inputFields,
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).max(1_048_576).optional(),
    useMemory: z.boolean().optional().meta({ default: true }),
    dryRun: z.boolean().optional().describe('Plan only.'),
    ...formatField,
  }),
  outputSchema: routeOutputSchema,
  // not read-only: loads a model and may evict idle ones; not destructive: deletes nothing; open world: may
  // send the prompt to an OpenAI-compatible host in settings, the fallback provider or an Ollama cloud model
  // (ollama.com)
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  plans: true,
  async run(input, ctx) {
    refuseBlank(input.prompt, 'route_and_generate');
    const { files: _f, images: _i, diff: _d, format: asked, ...rest } = input;
    // the format is checked before anything is read or sent
    const format = asked === undefined ? undefined : await prepareFormat(asked);
    const inputs = await readInputArgs(input, ctx.readInputs, ctx.phases);
    const request = (signal: AbortSignal, control?: Pick<JobControl, 'part' | 'reused' | 'keep' | 'status'>) => ({
      ...rest,
      ...(ctx.relayed && { relayed: true }),
      ...(rest.model !== undefined && { only: true }),
      agent: ctx.agent,
      owner: promptOwner(ctx),
      ...(ctx.client !== undefined && { client: ctx.client }),
      ...clientLimitField(ctx.clientLimit),
      ...(format && { format }),
      ...(inputs && { inputs }),
      signal,
      ...(inputs && control && { onPart: control.part, reused: control.reused, keep: control.keep }),
      ...(inputs && control && { onStatus: control.status }),
      ...(ctx.phases && { progress: ctx.phases }),
    });
    // the short road: a call without inputs goes from here to the route's plan (route.ts), not through offload's inputs
    const plan = (req: ReturnType<typeof request>): Promise<OffloadResult> =>
      inputs ? offload(ctx.orch, req) : routeAndGenerate(ctx.orch, req);
    if (input.dryRun) {
      const advice = await plan(request(ctx.signal));
      return { structured: advice, text: advice.text }; // a dry run saved nothing and cost nothing
    }
    if (ctx.claimRelayed) {
      // another server of this machine relaying through this one's engine claim: it runs the call as its
      // client's job and keeps that client's ledger — here the generation alone, no second job or ledger line
      const result = await plan(request(ctx.signal));
      return {
        structured: result,
        text: result.json === undefined ? renderRoute(result) : JSON.stringify(result.json),
      };
    }
    // run as a job: answered within the client's limit, whole or handed over (long-call.ts)
    const key = callKey('route_and_generate', ctx.rawArgs, [
      ...(inputs?.docs ?? []).map((d) => `${d.label}\0${d.text}`),
      ...(inputs?.images ?? []),
    ]);
    return asJob<Routed>(
      ctx,
      { tool: 'route_and_generate', key },
      async (control) => {
        const result = await plan(request(control.signal, control));
        if (result.json === undefined)
          return withLedger(
            ctx,
            input,
            inputs,
            result,
            (r) => withNotice(ctx.orch.memoryStore, renderRoute(r)),
            control.spent(),
          );
        // a structured answer: the text is its JSON alone, for the caller to parse; who answered is in the
        // structured result
        const text = JSON.stringify(result.json);
        return { ...withLedger(ctx, input, inputs, result, () => text, control.spent()), text };
      },
      (job, text) => ({ text, job }),
    );
  },
});

/** The result with what was read and the ledger line: what this call saved the caller. */
export function withLedger<R extends OffloadResult>(
  ctx: Pick<ToolContext, 'orch' | 'rawArgs' | 'agent'>,
  input: InputArgs & { prompt: string; system?: string | undefined },
  inputs: ReadSummary | undefined,
  result: R,
  render: (r: R) => string,
  spent?: { in: number; out: number },
) {
  const { entry, text } = withLedgerLine(ctx, input, inputs, render(result), {
    ...(spent && { spent }),
    answer: result.text,
    local: { promptTokens: result.metrics.promptTokens, outputTokens: result.metrics.outputTokens },
    model: result.model,
    task: result.task,
    citations: result.citations,
  });
  return { structured: { ...result, ledger: entry }, text };
}
