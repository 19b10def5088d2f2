import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import { defineTool } from './define.js';

export const pullModelTool = defineTool({
  name: 'pull_model',
  title: 'Download a model',
  description:
    'Downloads a model from the Ollama registry (or another registry named in the model, e.g. hf.co/user/repo:quant), with progress notifications (bytes done of total, and the phase). Returns already_present at once when the model is installed, unless force: true. Cancelling stops the download; running it again resumes. Models are several GB: check list_models or ollm://system/ram for what fits before pulling a large one.',
  inputSchema: z.object({
    model: z.string().min(1).describe('Model name, e.g. "llama3.2", "qwen2.5-coder:7b", "hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M".'),
    host: z.string().min(1).optional().describe('Which Ollama host to pull to (see ollm://fleet); default ollama.host.'),
    insecure: z.boolean().optional().describe('Allow an insecure (http) registry.'),
    force: z.boolean().optional().describe('Pull again even if installed (gets updates).'),
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
