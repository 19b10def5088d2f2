import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import type { ModelsOverview } from '../orchestrator/index.js';
import { defineTool } from './define.js';
import { loadedModelSchema, modelSummarySchema, ramSchema } from './schemas.js';

function render(o: ModelsOverview): string {
  const h = o.ram.host;
  const room =
    h.kind === 'gpu'
      ? `${formatBytes(o.ram.headroomBytes)} of VRAM free for one more model`
      : h.kind === 'cpu'
        ? `${formatBytes(o.ram.headroomBytes)} free for models now (budget ${formatBytes(o.ram.budgetBytes)})`
        : 'its memory is unknown (set ollama.capacity)';
  const head = `Ollama at ${o.host}: ${o.models.length} model${o.models.length === 1 ? '' : 's'} installed, ${o.loaded.length} loaded (at most ${h.maxLoadedModels}); ${room}.`;
  const lines = o.models.map((m) => {
    const state = m.cloud ? 'cloud (runs on ollama.com)' : m.loaded ? 'loaded' : m.fitsNow ? 'fits now' : m.fits ? 'fits after unloading' : 'too big for this host';
    const profiles = m.profiles.length > 0 ? m.profiles.join(',') : 'embedding only';
    return `- ${m.name}${m.host ? ` on ${m.host}` : ''} — ${formatBytes(m.sizeBytes)}, ${m.parameterSize || '?'} ${m.quantization}, ctx ${m.contextWindow}, ${profiles}; ${state}`;
  });
  const stale = o.stale ? [`(Ollama is not answering; this is the last list seen: ${o.stale})`] : [];
  const none = o.models.length === 0 ? ['No models installed: pull one, e.g. `ollama pull llama3.2`.'] : [];
  return [head, ...stale, ...lines, ...none].join('\n');
}

export const listModels = defineTool({
  name: 'list_models',
  title: 'List local models',
  description:
    'Lists the Ollama models installed on this machine with size, family, context window, capabilities, the routing profiles each serves, whether it is loaded, and whether it fits in RAM (fits: within the budget at all; fitsNow: without unloading anything). Also returns loaded models and the RAM budget. Use it before choosing a model or to see what is running. Cheap: cached for 30 s; pass refresh: true after installing models outside this server.',
  inputSchema: z.object({
    refresh: z.boolean().optional().describe('Ask Ollama again instead of using the list cached for 30 s.'),
  }),
  outputSchema: z.object({
    host: z.string(),
    models: z.array(modelSummarySchema),
    loaded: z.array(loadedModelSchema),
    ram: ramSchema,
    stale: z.string().optional().describe('set when Ollama is not answering and the list is the last one seen'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch, signal }) {
    const overview = await orch.listModels({ refresh: input.refresh ?? false, signal });
    return { structured: overview, text: render(overview) };
  },
});
