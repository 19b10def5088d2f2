/**
 * The shapes another ollm-mcp's tool results must have (list_models, show_model,
 * route_and_generate), each field bounded, and the check that refuses anything else with a
 * HostError of kind bad_response naming the tool and what was wrong (ollm-answers.ts maps what
 * passes onto the host interface).
 */
import * as z from 'zod';
import { HostError } from '../host-error.js';

/** The most models one box may list (more is not a box's list but nonsense). */
export const MAX_MODELS = 2048;
/** The longest answer (or reasoning) taken from a box, in characters. */
export const MAX_TEXT = 8_000_000;
const MAX_COUNT = 100_000_000;
const MAX_MS = 86_400_000;

const name = z.string().min(1).max(256);
const word = z.string().max(256);
const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const window = z.number().int().min(1).max(16_777_216);
const count = z.number().min(0).max(MAX_COUNT);
const ms = z.number().min(0).max(MAX_MS);

const listedModel = z.object({
  name,
  sizeBytes: bytes,
  family: word,
  parameterSize: word,
  quantization: word,
  contextWindow: window,
  capabilities: z.array(word).max(64),
  loaded: z.boolean(),
  cloud: z.boolean().optional(),
  host: word.optional(),
  // its fit there, as its own plan sees it: a figure that is not one is left out (fitOf), never refused
  fits: z.boolean().optional().catch(undefined),
  fitsNow: z.boolean().optional().catch(undefined),
  requiredBytes: bytes.optional().catch(undefined),
  selfManaged: z.boolean().optional().catch(undefined),
});
const loadedModel = z.object({
  name,
  sizeBytes: bytes,
  vramBytes: bytes,
  expiresAt: z.string().max(64),
  contextLength: window.optional(),
  host: word.optional(),
});
const hostState = z.object({ name: word, url: word });
export const listAnswer = z.object({
  models: z.array(listedModel).max(MAX_MODELS),
  loaded: z.array(loadedModel).max(MAX_MODELS),
  hosts: z.array(hostState).max(256).optional().catch(undefined),
});
export const showAnswer = listedModel.extend({
  digest: z.string().max(256),
  architecture: word.optional(),
  licenseFirstLines: z.string().max(4096).optional(),
});
// `step` since issue 62 (a box of an earlier version says `progress`)
const jobAnswer = z.object({
  id: z.string().min(1).max(128),
  state: z.enum(['running', 'done', 'failed', 'cancelled', 'lost']),
  partsDone: count,
  step: z.string().max(2048).optional(),
  progress: z.string().max(2048).optional(),
});
export const routeAnswer = z.object({
  text: z.string().max(MAX_TEXT),
  model: name.optional(),
  thinking: z.string().max(MAX_TEXT).optional(),
  doneReason: z.string().max(64).optional(),
  metrics: z
    .object({
      totalMs: ms,
      loadMs: ms,
      promptTokens: count,
      outputTokens: count,
      timeToFirstTokenMs: ms,
      promptMs: ms.optional(),
      cachedPromptTokens: count.optional(),
      generationMs: ms.optional(),
    })
    .optional(),
  job: jobAnswer.optional(),
  // the models tried before the one that answered, and why they failed: read only to say why the named one
  // did not answer
  fallbacks: z
    .array(z.object({ model: z.string().max(256), error: z.string().max(4096) }))
    .max(64)
    .optional()
    .catch(undefined),
});

export type ListedModel = z.infer<typeof listedModel>;
export type ListAnswer = z.infer<typeof listAnswer>;
export type BoxJob = z.infer<typeof jobAnswer>;

/** How a box is named in errors, and where. */
export interface BoxRef {
  who: string;
  host: string;
}

/** `value` as `schema` says, or the bad_response error naming the tool and the first problem. */
export function checked<T>(schema: z.ZodType<T>, value: unknown, tool: string, box: BoxRef): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // a failed parse names at least one issue; its path is as deep as the schemas above (4 at most), so bounded by them
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'its result';
  throw new HostError(
    'bad_response',
    `${box.who} answered ${tool} with something that is not ollm-mcp's answer (${where}: ` +
      `${issue.message}) — is hosts.*.url another ollm-mcp's /mcp endpoint, of a version that ` +
      `speaks this one's tools?`,
    box.host,
  );
}
