import * as z from 'zod';
import { refuseBlank } from './blank-prompt.js';
import { TASK_TYPES } from '../orchestrator/index.js';
import { compare, type CompareResult } from '../orchestrator/jobs/compare.js';
import { defineTool } from './define.js';
import { readSummary } from '../orchestrator/jobs/offload.js';
import {
  formatField,
  inputFields,
  ledgerSchema,
  readInputArgs,
  readSchema,
  splitSchema,
  withLedgerLine,
} from './offload-io.js';
import { prepareFormat } from '../orchestrator/generation/answer-format.js';
import { viewMeta } from '../views/index.js';
import { clientLimitField } from '../orchestrator/config/client-limits.js';
import { asJob, callKey, jobSchema, type JobInfo } from './long-call.js';

const metricsSchema = z.object({
  loadMs: z.number().describe('loading the model for this comparison; 0 when it was already loaded'),
  queueMs: z.number().describe('queued behind other requests of this server on the model'),
  timeToFirstTokenMs: z
    .number()
    .describe('reading the prompt: from leaving the queue to the first token, load excluded'),
  generationMs: z.number().describe('generating: from the first token to the last'),
  totalMs: z.number().describe('wall time for this model, load included'),
  promptTokens: z.number(),
  outputTokens: z.number(),
  tokensPerSecond: z.number().describe('output tokens per second while generating: what fastest is judged by'),
});

const secs = (ms: number, digits = 1) => (ms / 1000).toFixed(digits);

/**
 * A metrics table (load, first token and generation apart, the wall time with load beside them), then each
 * answer under its model's name.
 */
export function renderComparison(r: CompareResult): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const table = [
    row(['model', 'load s', 'first token s', 'generation s', 'tokens', 'tok/s', 'total s (with load)', '']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
    ...r.results.map((e) =>
      e.error
        ? row([e.model, '', '', '', '', '', '', 'failed'])
        : row([
            e.model,
            e.loadedBefore && e.metrics.loadMs < 50 ? `${secs(e.metrics.loadMs)} (was loaded)` : secs(e.metrics.loadMs),
            secs(e.metrics.timeToFirstTokenMs, 2),
            secs(e.metrics.generationMs),
            String(e.metrics.outputTokens),
            String(e.metrics.tokensPerSecond),
            secs(e.metrics.totalMs),
            e.model === r.fastest ? 'fastest' : '',
          ]),
    ),
  ];
  const fair = r.fastest
    ? `Fastest: ${r.fastest}, by generation speed (tokens/s); load time is shown apart and does not count.`
    : '';
  const split = (e: CompareResult['results'][number]) =>
    e.split
      ? `\n\n(the inputs were split into ${e.split.parts} parts for its ` +
        `${e.split.contextTokens}-token window; ${e.split.calls} generations)`
      : '';
  const answers = r.results.map(
    (e) => `## ${e.model}${e.host ? ` (${e.host})` : ''}\n\n${e.error ? `(failed: ${e.error})` : e.text}${split(e)}`,
  );
  const keep = `To keep the best one for ${r.task} work: prefer_model {comparisonId: "${r.comparisonId}", model: …}.`;
  return [
    table.join('\n'),
    [r.summary ?? howItRan(r), fair].filter(Boolean).join(' '),
    ...(r.note ? [r.note] : []),
    keep,
    ...answers,
  ].join('\n\n');
}

/** For a result without compare's summary (built by hand): what the groups say, without claiming why. */
function howItRan(r: CompareResult): string {
  const failed = new Set(r.results.filter((e) => e.error).map((e) => e.model));
  const ran = r.groups.map((g) => g.filter((m) => !failed.has(m))).filter((g) => g.length > 0);
  if (ran.flat().length < 2) return '';
  return ran.length === 1
    ? `${ran[0]!.join(', ')} ran side by side.`
    : `They ran in turn: ${ran.map((g) => g.join(' + ')).join(', then ')}.`;
}

/**
 * What compare gives: the comparison — or, when the call outlasted its client's limit
 * (long-call.ts), the job it runs on as, without the comparison's fields.
 */
const compareOutputSchema = z
  .object({
    comparisonId: z.string().describe('pass to prefer_model to record the winner'),
    task: z.string(),
    results: z.array(
      z.object({
        model: z.string(),
        host: z.string().optional(),
        text: z.string(),
        error: z.string().optional(),
        thinking: z.string().optional(),
        json: z.unknown().optional().describe('the answer parsed, when format was given and it holds to it'),
        loadedBefore: z.boolean().optional().describe('already in memory when the comparison reached it'),
        metrics: metricsSchema,
        split: splitSchema.optional(),
      }),
    ),
    parallel: z.boolean().describe('some models generated at the same time'),
    groups: z
      .array(z.array(z.string()))
      .describe('how the models that could be tried were grouped: each group was loaded to run at the same time'),
    fastest: z
      .string()
      .optional()
      .describe(
        'the model with the most output tokens per second while generating; only when at least two models answered',
      ),
    answered: z.array(z.string()).optional().describe('the models that answered'),
    summary: z
      .string()
      .optional()
      .describe('what happened: who answered, who failed, and how and why the models ran as they did'),
    note: z
      .string()
      .optional()
      .describe('what the user should know beside the results, e.g. that the comparison could not be saved'),
    wallMs: z.number(),
    inputs: readSchema.optional(),
    ledger: ledgerSchema.optional(),
  })
  .partial({ comparisonId: true, task: true, results: true, parallel: true, groups: true, wallMs: true })
  .extend({ job: jobSchema.optional() });

/** The structured result of a handed-over call: the job (its progress names the models done). */
type Compared = z.output<typeof compareOutputSchema> | { job: JobInfo };

export const compareTool = defineTool({
  name: 'compare',
  title: 'Compare models side by side',
  description: 'Runs one prompt on 2–5 local models; answers and timings side by side.',
  inputSchema: z.object({
    prompt: z.string().min(1),
    ...inputFields,
    models: z.array(z.string().min(1)).min(2).max(5).optional().describe('Default: top candidates.'),
    system: z.string().optional(),
    task: z.enum(TASK_TYPES).optional(), // inferred if omitted, as any optional argument says
    maxTokens: z.number().int().min(1).max(1_048_576).optional(),
    ...formatField,
  }),
  outputSchema: compareOutputSchema,
  // Not read-only: it loads models and so evicts idle ones. Not destructive: nothing is deleted (an
  // unloaded model loads again). Not idempotent: every call runs the models again and records a new
  // comparison. Open world: a named Ollama cloud model (…-cloud) sends the prompt to ollama.com.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  meta: viewMeta('compare'),
  plans: true,
  async run(input, ctx) {
    refuseBlank(input.prompt, 'compare');
    const { orch, phases, readInputs, rawArgs, agent, clientLimit } = ctx;
    const { files: _f, images: _i, diff: _d, format: asked, ...rest } = input;
    // the format is checked before anything is read or sent
    const format = asked === undefined ? undefined : await prepareFormat(asked);
    const inputs = await readInputArgs(input, readInputs, phases);
    const images = [...(inputs ? [] : (input.images ?? [])), ...(inputs?.images ?? [])];
    // run as a job: answered within the client's limit, whole or handed over (long-call.ts); an input edited
    // since is another call
    const key = callKey('compare', rawArgs, [...(inputs?.docs ?? []).map((d) => `${d.label}\0${d.text}`), ...images]);
    return asJob<Compared>(
      ctx,
      { tool: 'compare', key },
      async (control) => {
        const onModelDone = (done: number, total: number, model: string) =>
          control.progress(`${done} of ${total} models done, the last ${model}`);
        const result = await compare(orch, {
          ...rest,
          ...(format && { format }),
          prompt: input.prompt,
          ...(inputs?.docs.length && { docs: inputs.docs }),
          ...(images.length && { images }),
          signal: control.signal,
          ...(phases && { progress: phases }),
          onModelDone,
          agent,
          ...(ctx.client !== undefined && { client: ctx.client }),
          ...clientLimitField(clientLimit),
        });
        const ok = result.results.filter((r) => !r.error);
        const { entry, text } = withLedgerLine({ orch, rawArgs, agent }, input, inputs, renderComparison(result), {
          answer: ok[0]?.text ?? '',
          local: {
            promptTokens: ok.reduce((s, r) => s + r.metrics.promptTokens, 0),
            outputTokens: ok.reduce((s, r) => s + r.metrics.outputTokens, 0),
          },
          model: result.fastest ?? ok[0]?.model ?? 'none',
          task: result.task,
        });
        return { structured: { ...result, ...(inputs && { inputs: readSummary(inputs) }), ledger: entry }, text };
      },
      (job) => ({ job }),
    );
  },
});
