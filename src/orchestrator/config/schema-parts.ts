/** Setting types more than one part of the schema uses: sizes, and Ollama addresses in every OLLAMA_HOST form. */
import * as z from 'zod';
import { HostFormatError, normalizeOllamaHost } from './host.js';
import { parseBytes } from './units.js';

export const sizeInput = z.union([z.number().int().nonnegative(), z.string()]);

export function bytes(description: string) {
  return sizeInput
    .transform((value, ctx) => {
      const n = parseBytes(value);
      if (n === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a byte count or a size like "2GB", "512MB" or "4GiB"' });
        return z.NEVER;
      }
      return n;
    })
    .describe(description);
}

export const host = z
  .string()
  .transform((value, ctx) => {
    try {
      return normalizeOllamaHost(value);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message:
          `${err instanceof HostFormatError ? err.message : String(err)}; expected a form like ` +
          `"127.0.0.1:11434", "http://host:11434" or "0.0.0.0"`,
      });
      return z.NEVER;
    }
  })
  .describe(
    'Where Ollama listens. Every OLLAMA_HOST form works: "0.0.0.0", "host:port", "http://host:port/", a bare host.',
  );

/** The KV cache types llama-server takes (--cache-type-k/v); Ollama passes OLLAMA_KV_CACHE_TYPE on as it is. */
export const KV_CACHE_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q5_1', 'q5_0', 'q4_1', 'q4_0', 'iq4_nl'] as const;

/**
 * How an Ollama server runs its models, as set in its environment: ollm-mcp never sends these (they
 * are the server's, not a request's); they size its plans. Left out for ollama.host when Ollama runs
 * on this machine, OLLAMA_KV_CACHE_TYPE, OLLAMA_FLASH_ATTENTION and OLLAMA_GPU_OVERHEAD in ollm-mcp's
 * environment stand in (config/ollama-env.ts).
 */
export const runnerFields = {
  kvCacheType: z
    .enum(KV_CACHE_TYPES)
    .optional()
    .describe(
      "The server's OLLAMA_KV_CACHE_TYPE (default f16): q8_0 takes about half the memory of f16 " +
        'per token of context, q4_0 about a quarter, so memory holds longer windows.',
    ),
  flashAttention: z
    .enum(['auto', 'on', 'off'])
    .optional()
    .describe(
      'The server\'s OLLAMA_FLASH_ATTENTION: unset is auto, "1" on, "0" off. A quantized KV cache ' +
        'needs it: with it off such a cache cannot run, and models are sized as f16.',
    ),
  gpuOverhead: bytes("The server's OLLAMA_GPU_OVERHEAD: VRAM kept aside on each GPU (default 0).").optional(),
};
