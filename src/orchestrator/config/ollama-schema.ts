/**
 * The `ollama` settings: the Ollama server ollm-mcp plans memory for, the time limits of its calls, its
 * capacity and its own settings.
 */
import * as z from 'zod';
import { DEFAULT_OLLAMA_URL } from './host.js';
import { host, runnerFields } from './schema-parts.js';
import { capacity } from './hosts-schema.js';

export const ollamaSchema = z
  .strictObject({
    host: host.default(DEFAULT_OLLAMA_URL),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(10_000)
      .describe('Time limit for quick Ollama calls (list, show, ps), in milliseconds.'),
    stallTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .default(60_000)
      .describe(
        'Once a generation has sent its first token, a gap of this long without another stops it ' +
          'and the next model is tried (ms). Loading and waiting for the first token have their own limits.',
      ),
    firstTokenTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .default(600_000)
      .describe(
        'How long a generation may take to send its first token — Ollama reading a long prompt — ' +
          'before it is stopped and the next model is tried (ms). Time spent queued behind other ' +
          'requests of this server on the same model does not count.',
      ),
    loadTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .default(120_000)
      .describe('The time limit for loading a model is this (ms) plus loadTimeoutMsPerGB for each GB of the model.'),
    loadTimeoutMsPerGB: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(30_000)
      .describe(
        'Added to loadTimeoutMs for each GB of the model being loaded (ms), so big models on slow ' +
          'disks get the time they need.',
      ),
    pullStallTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .default(60_000)
      .describe('A pull that receives no bytes for this long is stopped; pulling again resumes it (ms).'),
    capacity: capacity
      .optional()
      .describe(
        'The memory of the machine Ollama runs on, when that is not this one. Left out for a remote ' +
          'host, it is learned from what Ollama reports and from out-of-memory failures.',
      ),
    maxLoadedModels: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe("The server's OLLAMA_MAX_LOADED_MODELS; default as Ollama's: 3 per GPU, 3 without one."),
    numParallel: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(1)
      .describe("The server's OLLAMA_NUM_PARALLEL: each loaded model holds a KV cache per slot."),
    contextLength: z
      .number()
      .int()
      .min(256)
      .max(2_097_152)
      .optional()
      .describe("The server's OLLAMA_CONTEXT_LENGTH, if set there; otherwise Ollama's default by VRAM."),
    ...runnerFields,
  })
  .prefault({});
