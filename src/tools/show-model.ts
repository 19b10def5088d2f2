import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import { defineTool } from './define.js';
import { coolingHosts, downLines } from '../orchestrator/fleet/fleet-reads.js';
import { loadedModelSchema, modelSummarySchema } from './schemas.js';

export const showModelTool = defineTool({
  name: 'show_model',
  title: 'Show a model card',
  description:
    'Details of one installed model: family, parameters, quantization, trained context window, capabilities, the routing profiles it serves, size and RAM needed, whether it fits and is loaded, and the first lines of its license. The same as the resource ollm://models/{name}.',
  inputSchema: z.object({
    model: z.string().min(1).describe('An installed model, e.g. "llama3.2" or "qwen2.5-coder:7b".'),
    host: z.string().min(1).optional().describe('Which Ollama host (see ollm://fleet), when there are several; default: the one that answers and has the model, else ollama.host.'),
  }),
  outputSchema: modelSummarySchema.extend({
    digest: z.string(),
    modifiedAt: z.string(),
    architecture: z.string().optional(),
    contextSource: z.string().describe('ollama, database or default: where the context window came from'),
    detailsKnown: z.boolean(),
    pattern: z.string().optional().describe('the model-database pattern that matched'),
    licenseFirstLines: z.string().optional(),
    running: loadedModelSchema.optional(),
    unreachable: z.array(z.object({ name: z.string(), url: z.string(), error: z.string(), next: z.string() })).optional().describe('Ollama hosts that do not answer now (the model may be there too), with what to do'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch, signal }) {
    const unit = await orch.pickHost({ model: input.model, ...(input.host !== undefined && { host: input.host }), signal });
    const down = coolingHosts(orch);
    const card = { ...(await unit.overview.modelCard(input.model, signal)), ...(orch.ollamaHosts.length > 1 && { host: unit.name }), ...(down.length > 0 && { unreachable: down }) };
    const text = [
      `${card.name}${card.host ? ` on ${card.host}` : ''}: ${card.family}, ${card.parameterSize || '?'} ${card.quantization}, ${formatBytes(card.sizeBytes)} (needs ${formatBytes(card.requiredBytes)} to run).`,
      `Context window ${card.contextWindow} tokens; capabilities ${card.capabilities.join(', ')}; serves ${card.profiles.join(', ') || 'no generation (embeddings)'}.`,
      card.loaded ? 'Loaded now.' : card.fitsNow ? 'Fits in RAM now.' : card.fits ? 'Fits after unloading idle models.' : 'Too big for the RAM budget.',
      ...(card.licenseFirstLines ? [`License: ${card.licenseFirstLines.split('\n')[0]}`] : []),
      ...downLines(down),
    ].join('\n');
    return { structured: card, text };
  },
});
