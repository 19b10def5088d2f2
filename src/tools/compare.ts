import * as z from 'zod';
import { TASK_TYPES } from '../orchestrator/index.js';
import { compare, type CompareResult } from '../orchestrator/generation/compare.js';
import { defineTool } from './define.js';

const metricsSchema = z.object({
  loadMs: z.number(),
  queueMs: z.number().describe('queued behind other requests of this server on the model'),
  timeToFirstTokenMs: z.number().describe('from leaving the queue to the first token'),
  totalMs: z.number(),
  promptTokens: z.number(),
  outputTokens: z.number(),
  tokensPerSecond: z.number(),
});

/** A metrics table, then each answer under its model's name. */
function render(r: CompareResult): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const table = [
    row(['model', 'load s', 'first token s', 'total s', 'tokens', 'tok/s', '']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---']),
    ...r.results.map((e) =>
      row([
        e.model,
        (e.metrics.loadMs / 1000).toFixed(1),
        (e.metrics.timeToFirstTokenMs / 1000).toFixed(2),
        (e.metrics.totalMs / 1000).toFixed(1),
        String(e.metrics.outputTokens),
        String(e.metrics.tokensPerSecond),
        e.error ? 'failed' : e.model === r.fastest ? 'fastest' : '',
      ]),
    ),
  ];
  const answers = r.results.map((e) => `## ${e.model}\n\n${e.error ? `(failed: ${e.error})` : e.text}`);
  const how = r.parallel ? `Ran in groups that fit in memory together: ${r.groups.map((g) => g.join(' + ')).join(', then ')}.` : 'Ran one model at a time (they do not fit in memory together).';
  return [table.join('\n'), how, `To keep the best one for ${r.task} work: prefer_model {comparisonId: "${r.comparisonId}", model: …}.`, ...answers].join('\n\n');
}

export const compareTool = defineTool({
  name: 'compare',
  title: 'Compare models side by side',
  description:
    'Runs one prompt on 2 to 5 local models and returns every answer with load time, time to first token, total time, tokens and tokens/s. Models that fit in RAM together run in parallel, the others one after another with smart loading — never overcommitting. Leave models out to compare the top candidates for the task. One model failing does not fail the comparison. Use it to find which local model suits a kind of work; record the winner with prefer_model.',
  inputSchema: z.object({
    prompt: z.string().min(1),
    models: z.array(z.string().min(1)).min(2).max(5).optional().describe('The models to compare; default: the top candidates for the task.'),
    system: z.string().optional(),
    task: z.enum(TASK_TYPES).optional().describe('Kind of work; inferred from the prompt when left out.'),
    maxTokens: z.number().int().min(1).max(1_048_576).optional(),
  }),
  outputSchema: z.object({
    comparisonId: z.string().describe('pass to prefer_model to record the winner'),
    task: z.string(),
    results: z.array(z.object({ model: z.string(), text: z.string(), error: z.string().optional(), thinking: z.string().optional(), metrics: metricsSchema })),
    parallel: z.boolean(),
    groups: z.array(z.array(z.string())).describe('models in one group ran at the same time'),
    fastest: z.string().optional(),
    wallMs: z.number(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(input, { orch, signal, phases }) {
    const result = await compare(orch, { ...input, signal, ...(phases && { progress: phases }) });
    return { structured: result, text: render(result) };
  },
});
