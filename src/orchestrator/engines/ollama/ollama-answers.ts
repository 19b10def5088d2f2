/**
 * What Ollama answers to /api/tags and /api/ps, checked where it enters: a body whose shape is not
 * Ollama's is an error naming the host and the field; a model entry that is not valid (a size that
 * is not a finite, non-negative, sensible number, no name) is left out on its own, with one log line per
 * answer; optional numbers that make no sense (NaN, negative, absurd) are dropped, never passed on.
 */
import * as z from 'zod';
import type { ListResponse } from 'ollama';
import { count, sane } from '../numbers.js';

const details = z
  .object({
    parent_model: z.string().catch(''),
    format: z.string().catch(''),
    family: z.string().catch(''),
    families: z.array(z.string()).nullable().catch(null),
    parameter_size: z.string().catch(''),
    quantization_level: z.string().catch(''),
  })
  .partial()
  .catch({});

const model = z.looseObject({
  name: z.string().min(1),
  model: z.string().min(1).optional(),
  size: count,
  digest: z.string().catch(''),
  modified_at: z.unknown().optional(),
  details,
  expires_at: z.unknown().optional(),
  size_vram: z.unknown().optional(),
  context_length: z.unknown().optional(),
});

const body = z.object({ models: z.array(z.unknown()).nullish() }, { error: 'expected an object with "models"' });

type Entry = ListResponse['models'][number] & { context_length?: number };

export interface CheckedModels {
  models: Entry[];
  /** Entries left out, each with why (for one log line). */
  dropped: string[];
}

/** The models of an answer, or a sentence saying why the answer is not Ollama's. */
export function checkModels(raw: unknown): CheckedModels | { problem: string } {
  const top = body.safeParse(raw);
  if (!top.success) {
    const got =
      raw === null
        ? 'null'
        : Array.isArray(raw)
          ? 'a list'
          : typeof raw === 'object'
            ? `"models" as ${describe((raw as Record<string, unknown>).models)}`
            : describe(raw);
    return { problem: `"models" must be a list of models (got ${got})` };
  }
  const models: Entry[] = [];
  const dropped: string[] = [];
  for (const [i, entry] of (top.data.models ?? []).entries()) {
    const m = model.safeParse(entry);
    if (m.success) {
      const { size_vram: vram, context_length: ctx, ...rest } = m.data;
      const size_vram = sane(vram);
      const context_length = sane(ctx);
      models.push({
        ...rest,
        model: rest.model ?? rest.name,
        ...(size_vram !== undefined && { size_vram }),
        ...(context_length !== undefined && { context_length }),
      } as unknown as Entry);
    } else {
      const issue = m.error.issues[0];
      dropped.push(`models[${i}].${issue?.path.join('.') || '?'}: ${issue?.message ?? 'not valid'}`);
    }
  }
  return { models, dropped };
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `a string`;
  if (typeof v === 'number') return Number.isFinite(v) ? 'a number' : String(v);
  return typeof v;
}
