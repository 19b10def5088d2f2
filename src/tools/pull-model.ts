import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import type { PullResult } from '../orchestrator/models/pull.js';
import { defineTool } from './define.js';
import { asJob, callKey, jobSchema, type JobInfo } from './long-call.js';

/**
 * What pull_model gives: the pull's result — or, when the download outlasted its client's limit
 * (long-call.ts), the job it runs on as (its progress: how far the download is), without its fields.
 */
const pullOutputSchema = z
  .object({
    model: z.string(),
    status: z.enum(['pulled', 'already_present']),
    sizeBytes: z.number(),
    durationMs: z.number(),
  })
  .partial({ model: true, status: true, sizeBytes: true, durationMs: true })
  .extend({ job: jobSchema.optional() });

export const pullModelTool = defineTool({
  name: 'pull_model',
  title: 'Download a model',
  description: 'Downloads a model (GBs) from the Ollama registry or hf.co/user/repo:quant.',
  inputSchema: z.object({
    model: z.string().min(1).describe('e.g. "qwen2.5-coder:7b".'),
    host: z.string().min(1).optional(),
    insecure: z.boolean().optional().describe('Allow an http registry.'),
    force: z.boolean().optional().describe('Pull again (update).'),
  }),
  outputSchema: pullOutputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(input, ctx) {
    const { orch, signal, phases } = ctx;
    const { host, ...pull } = input;
    const unit = await orch.pickHost({ ...(host !== undefined && { host }), signal });
    // run as a job: answered within the client's limit, whole or handed over (long-call.ts); the host it
    // pulls to is part of the call
    const key = callKey('pull_model', ctx.rawArgs, [unit.name, unit.address]);
    return asJob<PullResult | { job: JobInfo }>(
      ctx,
      { tool: 'pull_model', key },
      async (control) => {
        const result = await unit.puller.pull({
          ...pull,
          signal: control.signal,
          onProgress: (p) => control.progress(p.message),
          ...(phases && { progress: phases }),
        });
        const text =
          result.status === 'already_present'
            ? `${result.model} is already installed (${formatBytes(result.sizeBytes)}); force: true pulls it again.`
            : `Pulled ${result.model} (${formatBytes(result.sizeBytes)}) in ` +
              `${(result.durationMs / 1000).toFixed(1)} s.`;
        return { structured: result, text };
      },
      (job) => ({ job }),
    );
  },
});
