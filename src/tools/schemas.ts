/** Output shapes shared by several tools. They mirror the orchestrator's plain types. */
import * as z from 'zod';

export const gpuSchema = z.object({
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
  headroomBytes: z.number().describe('what one more model may take now'),
  safetyMargin: z.number(),
  bufferBytes: z.number(),
  smallModelBytes: z.number(),
  gpus: z.array(gpuSchema),
});

export const loadedModelSchema = z.object({
  name: z.string(),
  sizeBytes: z.number(),
  vramBytes: z.number(),
  expiresAt: z.string(),
  keptForever: z.boolean(),
  contextLength: z.number().optional(),
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
  requiredBytes: z.number().describe('RAM needed to run it: size × (1 + safety margin)'),
  fits: z.boolean().describe('can be loaded on this machine within the budget'),
  fitsNow: z.boolean().describe('can be loaded now without unloading anything'),
});
