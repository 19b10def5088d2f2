import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import { defineTool } from './define.js';

export const pullModelTool = defineTool({
  name: 'pull_model',
  title: 'Download a model',
  description:
    'Downloads a model (GBs) from the Ollama registry or hf.co/user/repo:quant.',
  inputSchema: z.object({
    model: z.string().min(1).describe('e.g. "qwen2.5-coder:7b".'),
    host: z.string().min(1).optional(),
    insecure: z.boolean().optional().describe('Allow an http registry.'),
    force: z.boolean().optional().describe('Pull again (update).'),
  }),
  outputSchema: z.object({
    model: z.string(),
    status: z.enum(['pulled', 'already_present']),
    sizeBytes: z.number(),
    durationMs: z.number(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(input, { orch, signal, phases }) {
    const { host, ...pull } = input;
    const unit = await orch.pickHost({ ...(host !== undefined && { host }), signal });
    const result = await unit.puller.pull({ ...pull, signal, ...(phases && { progress: phases }) });
    const text =
      result.status === 'already_present'
        ? `${result.model} is already installed (${formatBytes(result.sizeBytes)}); force: true pulls it again.`
        : `Pulled ${result.model} (${formatBytes(result.sizeBytes)}) in ${(result.durationMs / 1000).toFixed(1)} s.`;
    return { structured: result, text };
  },
});
