/** Output shapes shared by several tools. They mirror the orchestrator's plain types. */
import * as z from 'zod';

const gpuSchema = z.object({
  name: z.string(),
  vendor: z.string(),
  vramTotalBytes: z.number(),
  vramFreeBytes: z.number().optional(),
});

export const ramSchema = z.object({
  totalBytes: z.number(),
  availableBytes: z.number().describe('MemAvailable: usable without swapping'),
  swapTotalBytes: z.number(),
  swapUsedBytes: z.number(),
  budgetBytes: z.number().describe('what loaded models may use in all'),
  loadedBytes: z.number(),
  headroomBytes: z.number().describe('what one more model may take now on the Ollama host (-1: unknown)'),
  safetyMargin: z.number(),
  bufferBytes: z.number(),
  smallModelBytes: z.number(),
  gpus: z.array(gpuSchema),
  host: z
    .object({
      kind: z
        .enum(['gpu', 'cpu', 'unknown'])
        .describe(
          'gpu: Ollama admits by free VRAM; cpu: nothing but ollm-mcp guards RAM; unknown: a remote ' +
            'host without configured capacity',
        ),
      source: z.enum(['this machine', 'settings', 'learned', 'unknown']),
      note: z.string(),
      ramTotalBytes: z.number().optional(),
      ramAvailableBytes: z.number().optional(),
      vramTotalBytes: z.number().optional(),
      vramFreeBytes: z.number().optional(),
      maxLoadedModels: z.number(),
      numParallel: z.number(),
      kvCacheType: z
        .string()
        .optional()
        .describe("an Ollama host's OLLAMA_KV_CACHE_TYPE as set (f16 unless said): models are sized with it"),
      flashAttention: z
        .enum(['auto', 'on', 'off'])
        .optional()
        .describe('its OLLAMA_FLASH_ATTENTION; a quantized KV cache needs it'),
      gpuOverheadBytes: z.number().optional().describe('its OLLAMA_GPU_OVERHEAD, VRAM kept aside per GPU'),
    })
    .describe('the machine Ollama runs on, as loading decisions see it'),
});

export const loadedModelSchema = z.object({
  name: z.string(),
  sizeBytes: z.number(),
  vramBytes: z.number(),
  expiresAt: z.string(),
  keptForever: z.boolean(),
  contextLength: z.number().optional(),
  host: z.string().optional().describe('the Ollama host it is loaded on, when there are several'),
});

/** A model's record for one kind of work here (learning.ts trackRecord). */
export const workRecordSchema = z.object({
  good: z.number(),
  bad: z.number(),
  failures: z.number(),
  timeouts: z.number(),
  cut: z.number().describe('answers cut at maxTokens'),
  wins: z.number().describe('comparisons won (prefer_model)'),
  losses: z.number(),
  meanQuality: z.number().describe('expected quality, 0–1: the table prior plus this evidence'),
  uncertainty: z.number(),
  tokensPerSecond: z.number().optional(),
  summary: z.string(),
});

export const modelSummarySchema = z.object({
  name: z.string(),
  sizeBytes: z.number(),
  family: z.string(),
  parameterSize: z.string(),
  quantization: z.string(),
  contextWindow: z.number().describe('trained context window in tokens'),
  capabilities: z.array(z.string()),
  profiles: z.array(z.string()).describe('routing profiles this model serves'),
  loaded: z.boolean(),
  requiredBytes: z
    .number()
    .describe('memory needed to run it where it runs: VRAM on a GPU host, RAM with the safety margin otherwise'),
  fits: z.boolean().describe('can be loaded on the Ollama host at all'),
  fitsNow: z.boolean().describe('can be loaded now without unloading anything'),
  memoryFigure: z
    .string()
    .optional()
    .describe(
      'where requiredBytes comes from: "observed 9.81 GB at 4k context" (what loading it took here) or "estimated"',
    ),
  cloud: z.boolean().optional().describe('runs on ollama.com (needs `ollama signin`); takes no memory here'),
  selfManaged: z.boolean().optional().describe('its engine loads and unloads it itself; no memory is planned for it'),
  host: z.string().optional().describe('the host it is on, when there are several'),
  settings: z
    .string()
    .optional()
    .describe(
      "the parameters and system prompt it carries (its Modelfile, a preset), which ollm-mcp's defaults never override",
    ),
  madeFor: z.string().optional().describe('the kind of work it was made for (create_model task)'),
  record: z
    .record(z.string(), workRecordSchema)
    .optional()
    .describe(
      'its track record here by kind of work (verdicts, failures, timeouts, answers cut, ' +
        'comparisons, speed), when it has one',
    ),
});
