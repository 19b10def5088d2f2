import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import { defineTool } from './define.js';
import { describeSettings, type ModelSettings } from '../orchestrator/models/model-settings.js';
import { quoted } from '../orchestrator/util/shorten.js';
import { coolingHosts, downLines } from '../orchestrator/fleet/fleet-reads.js';
import { loadedModelSchema, modelSummarySchema } from './schemas.js';

/** A llama.cpp host's model: its status there and where its memory figure comes from. */
function llamacppLine(
  m: {
    id: string;
    status: string;
    weightsBytes: number;
    kvBytes: number;
    cacheBytes?: number;
    slots?: number;
    sizeSource: string;
    contextLength?: number;
    failure?: string;
  },
  host: string,
): string {
  const cache = m.cacheBytes ? ` + prompt cache ${formatBytes(m.cacheBytes)}` : '';
  const memory =
    m.sizeSource === 'gguf'
      ? `weights ${formatBytes(m.weightsBytes)} + KV cache ${formatBytes(m.kvBytes)}${cache} (from ` +
        `its GGUF header, --ctx-size and ` +
        `--cache-ram${m.slots ? ', and what its server runs with' : ''})`
      : m.sizeSource === 'settings'
        ? `${formatBytes(m.weightsBytes)} from hosts.${host}.modelSizes`
        : `unknown — its file cannot be read here; set hosts.${host}.modelSizes`;
  const slots = m.slots ? `, ${m.slots} slot${m.slots === 1 ? '' : 's'}` : '';
  const asleep = m.status === 'sleeping' ? ' (its memory is freed until a request wakes it)' : '';
  return (
    `On llama-server as "${m.id}": ` +
    `${m.status}${asleep}${m.failure ? ` (${m.failure})` : ''}${m.contextLength ? `, ${m.contextLength} tokens per slot` : ''}${slots}; ` +
    `memory ${memory}.`
  );
}

/**
 * Its own settings, which win over ollm-mcp's defaults: the parameters in a few words and the start of its
 * system prompt.
 */
function ownLine(own: ModelSettings): string {
  const words = describeSettings({ parameters: own.parameters }) ?? 'none but stop words';
  const system = own.system === undefined ? '' : `; its system prompt: ${quoted(own.system)}`;
  return `Its own settings (used unless you or the settings say otherwise): ${words}${system}.`;
}

export const showModelTool = defineTool({
  name: 'show_model',
  title: 'Show a model card',
  description: "One model's card: size, window, memory, license.",
  inputSchema: z.object({
    model: z.string().min(1),
    host: z.string().min(1).optional(),
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
    unreachable: z
      .array(z.object({ name: z.string(), url: z.string(), error: z.string(), next: z.string() }))
      .optional()
      .describe('Ollama hosts that do not answer now (the model may be there too), with what to do'),
    own: z
      .object({
        parameters: z.record(z.string(), z.union([z.number(), z.boolean(), z.string(), z.array(z.string())])),
        system: z.string().optional(),
      })
      .optional()
      .describe(
        "what the model carries (its Modelfile's PARAMETER and SYSTEM, a llama-server preset's " +
          "sampling): used unless the caller or the user's settings say otherwise",
      ),
    llamacpp: z
      .object({
        id: z.string(),
        status: z.string(),
        weightsBytes: z.number(),
        kvBytes: z.number(),
        cacheBytes: z.number().optional(),
        slots: z.number().optional(),
        sizeSource: z.string(),
        contextLength: z.number().optional(),
        file: z.string().optional(),
        failure: z.string().optional(),
      })
      .optional()
      .describe(
        "on a llama.cpp host: the router's id and status for it, and its memory — weights plus KV " +
          'cache for its --ctx-size plus the prompt cache in RAM (--cache-ram); slots while it runs; ' +
          "sizeSource gguf (its file's header), settings (modelSizes) or unknown",
      ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch, signal }) {
    const unit = await orch.pickHost({
      model: input.model,
      ...(input.host !== undefined && { host: input.host }),
      signal,
    });
    const down = coolingHosts(orch);
    const router = await unit.engine.report?.({ signal });
    const base = await unit.overview.modelCard(input.model, signal);
    const llama = router?.models.find((m) => m.name === base.name);
    const llamacpp = llama && (({ name: _n, sizeBytes: _s, ...rest }) => rest)(llama);
    const card = {
      ...base,
      ...(orch.hosts.length > 1 && { host: unit.name }),
      ...(down.length > 0 && { unreachable: down }),
      ...(llamacpp && { llamacpp }),
    };
    const text = [
      `${card.name}${card.host ? ` on ${card.host}` : ''}: ${card.family}, ` +
        `${card.parameterSize || '?'} ${card.quantization}, ${formatBytes(card.sizeBytes)} (needs ` +
        `${formatBytes(card.requiredBytes)} to ` +
        `run${card.memoryFigure ? `, ${card.memoryFigure}` : ''}).`,
      `Context window ${card.contextWindow} tokens; capabilities ${card.capabilities.join(', ')}; ` +
        `serves ${card.profiles.join(', ') || 'no generation (embeddings)'}.`,
      card.loaded
        ? 'Loaded now.'
        : card.fitsNow
          ? 'Fits in RAM now.'
          : card.fits
            ? 'Fits after unloading idle models.'
            : 'Too big for the RAM budget.',
      ...(card.own ? [ownLine(card.own)] : []),
      ...(card.licenseFirstLines ? [`License: ${card.licenseFirstLines.split('\n')[0]}`] : []),
      ...(llamacpp ? [llamacppLine(llamacpp, unit.name)] : []),
      ...downLines(down),
    ].join('\n');
    return { structured: card, text };
  },
});
