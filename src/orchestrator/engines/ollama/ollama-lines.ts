/**
 * What Ollama sends besides /api/tags and /api/ps (ollama-answers.ts), checked where it enters:
 * the lines of /api/generate, /api/chat, /api/pull and /api/create streams, and the answers of /api/show,
 * /api/version, /api/generate, /api/chat and /api/embed. A field of the wrong type is a problem
 * naming the field; a number that makes no sense (negative, infinite, absurd) is dropped, never
 * passed on; the text of one stream line is at most TOKEN_TEXT characters (a line is one token).
 * Fields nobody reads (a generate's `context`, a show's `tensors`) are left out.
 */
import * as z from 'zod';
import { TOKEN_TEXT, firstIssue, optionalCount, sane } from '../numbers.js';

const piece = z.string().max(TOKEN_TEXT, `is longer than ${TOKEN_TEXT} characters, which no single token is`);
const label = (max: number) => z.string().max(max, `is longer than ${max} characters`);

const metrics = {
  total_duration: optionalCount,
  load_duration: optionalCount,
  prompt_eval_count: optionalCount,
  prompt_eval_duration: optionalCount,
  eval_count: optionalCount,
  eval_duration: optionalCount,
};
const head = {
  model: z.string().optional().catch(undefined),
  created_at: z.string().optional().catch(undefined),
  done: z.boolean({ error: 'must be true or false' }),
  done_reason: label(200).optional(),
};

const generateLine = z.object({ ...head, response: piece.optional(), thinking: piece.optional(), ...metrics });
const generateAnswer = z.object({
  ...head,
  response: z.string().optional(),
  thinking: z.string().optional(),
  ...metrics,
});

const message = (text: z.ZodType<string>) =>
  z.object({
    role: label(100).optional(),
    content: text,
    thinking: text.optional(),
    tool_calls: z.array(z.unknown()).max(1000).optional(),
  });
const chatLine = z.object({ ...head, message: message(piece), ...metrics });
const chatAnswer = z.object({ ...head, message: message(z.string()), ...metrics });

const progress = z.object({
  status: label(1000),
  digest: label(300).optional(),
  total: optionalCount,
  completed: optionalCount,
});

const details = z
  .object({
    parent_model: z.string(),
    format: z.string(),
    family: z.string(),
    families: z.array(z.string()).nullable(),
    parameter_size: z.string(),
    quantization_level: z.string(),
  })
  .partial();

/** model_info keys the planner reads: each must be a positive whole number of sensible size, else it is dropped. */
const SIZED =
  /\.(context_length|block_count|embedding_length|attention\.head_count|attention\.head_count_kv|attention\.key_length|attention\.value_length|parameter_count)$/;
const modelInfo = z.record(z.string(), z.unknown()).transform((info) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) {
    if (SIZED.test(k) && typeof v === 'number' && !(Number.isInteger(v) && v > 0 && v <= 2 ** 40)) continue;
    out[k] = v;
  }
  return out;
});

const show = z.object({
  modelfile: z.string().optional(),
  parameters: z.string().optional(),
  template: z.string().optional(),
  system: z.string().optional(),
  license: z.string().optional(),
  details: details.optional(),
  model_info: modelInfo.optional(),
  capabilities: z.array(label(100)).max(1000).optional(),
  modified_at: z.string().optional().catch(undefined),
});

const version = z.object({
  version: z.string({ error: 'must be a string' }).min(1, 'is empty').max(100, 'is longer than 100 characters'),
});
const embed = z.object({ model: z.string().optional().catch(undefined), embeddings: z.array(z.unknown()), ...metrics });

/** An `{"error": …}` line or answer: its text, whatever type it came as, at most 1,000 characters. */
function errorOf(v: Record<string, unknown>): { error: string } {
  const e = v['error'];
  const text = typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
  return { error: text.length > 1000 ? `${text.slice(0, 1000)}…` : text };
}

export type Checked = { value: unknown; last: boolean } | { problem: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function run(schema: z.ZodType, raw: unknown, last: (v: Record<string, unknown>) => boolean): Checked {
  if (!isObject(raw))
    return {
      problem: `the answer is not an object (got ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw})`,
    };
  if ('error' in raw) return { value: errorOf(raw), last: true };
  const out = schema.safeParse(raw);
  if (!out.success) return { problem: firstIssue(out.error, raw) };
  const value = out.data as Record<string, unknown>;
  return { value, last: last(value) };
}

/** The metric fields of a line, each kept as a sensible count or dropped (`optionalCount`). */
const METRICS = Object.keys(metrics);

/**
 * A generate line as `generateLine` leaves it, without zod, for the lines of the usual shape: every
 * field of the expected type and size. Any other line is undefined here and goes through zod,
 * which says what is wrong with it. Same answer as zod's where it answers (a test keeps it so):
 * only the schema's fields are kept, a name or date that is not text is dropped, each count kept
 * only when sensible. A line is a token, so this runs once per token on every generation's path.
 */
export function plainGenerateLine(raw: Record<string, unknown>): Record<string, unknown> | undefined {
  if (typeof raw['done'] !== 'boolean') return undefined;
  const out: Record<string, unknown> = {};
  for (const key in raw) {
    if (!Object.hasOwn(raw, key)) continue;
    const v = raw[key];
    switch (key) {
      case 'done':
        out[key] = v;
        break;
      case 'model':
      case 'created_at':
        out[key] = typeof v === 'string' ? v : undefined;
        break;
      case 'response':
      case 'thinking':
        if (v === undefined) break;
        if (typeof v !== 'string' || v.length > TOKEN_TEXT) return undefined;
        out[key] = v;
        break;
      case 'done_reason':
        if (v === undefined) break;
        if (typeof v !== 'string' || v.length > 200) return undefined;
        out[key] = v;
        break;
      default:
        if (METRICS.includes(key)) out[key] = sane(v);
    }
  }
  return out;
}

/** A generate line checked by its schema alone (what plainGenerateLine must agree with). */
export const schemaGenerateLine = (raw: unknown): Checked => run(generateLine, raw, done);

function generateLineOf(raw: unknown): Checked {
  const plain = isObject(raw) && !('error' in raw) ? plainGenerateLine(raw) : undefined;
  return plain ? { value: plain, last: plain['done'] === true } : schemaGenerateLine(raw);
}

const done = (v: Record<string, unknown>) => v['done'] === true;
const success = (v: Record<string, unknown>) => v['status'] === 'success';
const never = () => false;

export interface PathRules {
  /** Checks one line of a streamed answer; `last` is the line that ends it. */
  line?: (raw: unknown) => Checked;
  /** Checks a whole (not streamed) answer. */
  answer?: (raw: unknown) => Checked;
  /** The most bytes of a whole answer. */
  maxAnswerBytes: number;
  /** The most bytes of one line of a stream. */
  maxLineBytes: number;
  /** A field of a line passed over unread (ndjson.ts), up to this many bytes. */
  skip?: { field: string; bytes: number };
}

const MiB = 1024 * 1024;

/**
 * Rules by the endpoint's last path segment. A line of a stream is a token and small; a generate's
 * last line also carries `context`, one number per token of the whole context (7 bytes a token:
 * 16 MiB holds two million), which is passed over unread. /api/tags and /api/ps are checked by
 * ollama-answers.ts once read. A whole answer is parsed on the main thread, so each limit is what
 * the largest real answer needs, not more.
 */
export const RULES: Record<string, PathRules> = {
  generate: {
    line: generateLineOf,
    answer: (r) => run(generateAnswer, r, never),
    maxAnswerBytes: 16 * MiB,
    maxLineBytes: 256 * 1024,
    skip: { field: '"context":[', bytes: 16 * MiB },
  },
  chat: {
    line: (r) => run(chatLine, r, done),
    answer: (r) => run(chatAnswer, r, never),
    maxAnswerBytes: 16 * MiB,
    maxLineBytes: 256 * 1024,
  },
  pull: {
    line: (r) => run(progress, r, success),
    answer: (r) => run(progress, r, never),
    maxAnswerBytes: 64 * 1024,
    maxLineBytes: 64 * 1024,
  },
  create: {
    line: (r) => run(progress, r, success),
    answer: (r) => run(progress, r, never),
    maxAnswerBytes: 64 * 1024,
    maxLineBytes: 64 * 1024,
  },
  show: { answer: (r) => run(show, r, never), maxAnswerBytes: 2 * MiB, maxLineBytes: MiB },
  version: { answer: (r) => run(version, r, never), maxAnswerBytes: 64 * 1024, maxLineBytes: 64 * 1024 },
  embed: { answer: (r) => run(embed, r, never), maxAnswerBytes: 16 * MiB, maxLineBytes: MiB },
  tags: { maxAnswerBytes: 2 * MiB, maxLineBytes: MiB },
  ps: { maxAnswerBytes: 2 * MiB, maxLineBytes: MiB },
};

/** Any other endpoint. */
export const OTHER: PathRules = { maxAnswerBytes: MiB, maxLineBytes: MiB };
