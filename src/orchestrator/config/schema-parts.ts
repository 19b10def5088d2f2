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
        message: `${err instanceof HostFormatError ? err.message : String(err)}; expected a form like "127.0.0.1:11434", "http://host:11434" or "0.0.0.0"`,
      });
      return z.NEVER;
    }
  })
  .describe('Where Ollama listens. Every OLLAMA_HOST form works: "0.0.0.0", "host:port", "http://host:port/", a bare host.');
