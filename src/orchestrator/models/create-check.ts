/**
 * What create_model may send to an engine, checked before anything is sent: the new name (as
 * Ollama reads names, model-name.ts), each parameter by Ollama's own names and types (api/types.go
 * `Options` and `Runner`: what a model's Modelfile may set) within ranges that make sense, every
 * text bounded, messages of the roles a Modelfile takes, and a quantization type Ollama makes
 * (fs/ggml/type.go ParseFileType). Each refusal names the field and what it takes. Pure.
 */
import type { CreateModelRequest } from '../engines/engine-requests.js';
import { kindOf } from '../engines/numbers.js';
import { quoted, shortened } from '../util/shorten.js';
import { parseModelName } from './model-name.js';

/** The most characters of a system prompt, a template or one message. */
export const MAX_CREATE_TEXT = 20_000;
/** The most messages a model may carry, and the most stop words. */
export const MAX_MESSAGES = 50;
export const MAX_STOPS = 16;
const MAX_STOP_CHARS = 200;

type Rule = { type: 'int' | 'float'; min: number; max: number } | { type: 'bool' } | { type: 'strings' };

const int = (min: number, max: number): Rule => ({ type: 'int', min, max });
const float = (min: number, max: number): Rule => ({ type: 'float', min, max });

/** Ollama's parameters a model can carry, with their types and the values that make sense. */
export const PARAMETER_RULES: Readonly<Record<string, Rule>> = {
  // set when the model is loaded (api.Runner)
  num_ctx: int(1, 16_777_216),
  num_batch: int(1, 65_536),
  num_gpu: int(-1, 100_000),
  main_gpu: int(0, 1024),
  num_thread: int(1, 4096),
  use_mmap: { type: 'bool' },
  // sampling and prediction (api.Options)
  num_keep: int(-1, 16_777_216),
  seed: int(-1, 4_294_967_295),
  num_predict: int(-2, 16_777_216),
  top_k: int(0, 1_000_000),
  top_p: float(0, 1),
  min_p: float(0, 1),
  typical_p: float(0, 1),
  repeat_last_n: int(-1, 16_777_216),
  temperature: float(0, 5),
  repeat_penalty: float(0, 10),
  presence_penalty: float(-2, 2),
  frequency_penalty: float(-2, 2),
  stop: { type: 'strings' },
};

/** The quantization types Ollama makes, as it names them (it reads them in capitals). */
const QUANTIZE_TYPES = ['q4_K_M', 'q4_K_S', 'q8_0', 'f16', 'bf16', 'f32'] as const;
/**
 * What a base must be in to be quantized (create.go: "quantization is only supported for F16, BF16 and F32
 * models").
 */
export const QUANTIZABLE = ['F16', 'BF16', 'F32'] as const;

const ROLES = ['system', 'user', 'assistant'] as const;

export interface CreateInput {
  name: string;
  from: string;
  system?: string | undefined;
  template?: string | undefined;
  parameters?: Record<string, unknown> | undefined;
  messages?: readonly unknown[] | undefined;
  quantize?: string | undefined;
}

export type CreateCheck = { ok: true; request: CreateModelRequest } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Names every JavaScript object carries (__proto__, constructor, toString…) and `prototype`: never a parameter's. */
const OBJECT_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * Why `raw` (the parameters as the call sent them) holds a key no parameter may have, naming it; or
 * undefined. Asked of the arguments as they came: a "__proto__" key is dropped unseen once they are
 * parsed (zod's record leaves it out), so a call carrying one would be made as if it had none.
 */
export function objectNameProblem(raw: unknown): string | undefined {
  if (!isObject(raw)) return undefined;
  const name = Object.keys(raw).find((k) => OBJECT_NAMES.has(k));
  return name === undefined
    ? undefined
    : `parameters: ${quoted(name)} cannot be a parameter's name (every JavaScript object has a ` +
        `property called so) — leave it out; the names are ` +
        `${Object.keys(PARAMETER_RULES).join(', ')}`;
}

/** What is wrong with one parameter's value, or undefined. */
function parameterProblem(name: string, rule: Rule, value: unknown): string | undefined {
  if (rule.type === 'bool')
    return typeof value === 'boolean' ? undefined : `parameters.${name} must be true or false (got ${kindOf(value)})`;
  if (rule.type === 'strings') {
    if (!Array.isArray(value) || value.length === 0)
      return `parameters.stop must be a list of 1 to ${MAX_STOPS} stop strings, e.g. ["</s>"] (got ${kindOf(value)})`;
    if (value.length > MAX_STOPS) return `parameters.stop holds ${value.length} strings; at most ${MAX_STOPS}`;
    const bad = value.findIndex((s) => typeof s !== 'string' || s.length === 0 || s.length > MAX_STOP_CHARS);
    return bad < 0
      ? undefined
      : `parameters.stop[${bad}] must be a string of 1 to ${MAX_STOP_CHARS} characters (got ${kindOf(value[bad])})`;
  }
  const range = `${rule.min} to ${rule.max}`;
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `parameters.${name} must be a number from ${range} (got ${kindOf(value)})`;
  if (rule.type === 'int' && !Number.isInteger(value))
    return `parameters.${name} must be a whole number from ${range} (got ${value})`;
  if (value < rule.min || value > rule.max) return `parameters.${name} must be from ${range} (got ${value})`;
  return undefined;
}

function checkParameters(
  raw: Record<string, unknown>,
): { ok: true; value: NonNullable<CreateModelRequest['parameters']> } | { ok: false; error: string } {
  const named = objectNameProblem(raw);
  if (named) return { ok: false, error: named };
  const out: NonNullable<CreateModelRequest['parameters']> = {};
  for (const [name, value] of Object.entries(raw)) {
    const rule = Object.hasOwn(PARAMETER_RULES, name) ? PARAMETER_RULES[name] : undefined;
    if (!rule)
      return {
        ok: false,
        error:
          `parameters: ${quoted(name)} is not one of Ollama's parameters — the names are ` +
          `${Object.keys(PARAMETER_RULES).join(', ')}`,
      };
    const problem = parameterProblem(name, rule, value);
    if (problem) return { ok: false, error: problem };
    out[name] = value as number | boolean | string[];
  }
  return { ok: true, value: out };
}

function textProblem(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') return `${field} is empty — leave it out instead`;
  if (value.length > MAX_CREATE_TEXT) return `${field} holds ${value.length} characters; at most ${MAX_CREATE_TEXT}`;
  return undefined;
}

function checkMessages(
  raw: NonNullable<CreateInput['messages']>,
): { ok: true; value: NonNullable<CreateModelRequest['messages']> } | { ok: false; error: string } {
  if (raw.length === 0 || raw.length > MAX_MESSAGES)
    return { ok: false, error: `messages must hold 1 to ${MAX_MESSAGES} messages (got ${raw.length})` };
  const out: NonNullable<CreateModelRequest['messages']> = [];
  for (const [i, m] of raw.entries()) {
    if (!isObject(m) || !(ROLES as readonly unknown[]).includes(m.role))
      return {
        ok: false,
        error: `messages[${i}].role must be one of ${ROLES.join(', ')} (got ${kindOf(isObject(m) ? m.role : m)})`,
      };
    if (typeof m.content !== 'string')
      return { ok: false, error: `messages[${i}].content must be a string (got ${kindOf(m.content)})` };
    const problem = textProblem(`messages[${i}].content`, m.content);
    if (problem) return { ok: false, error: problem };
    out.push({ role: m.role as (typeof ROLES)[number], content: m.content });
  }
  return { ok: true, value: out };
}

/** The quantization type as Ollama names it, or undefined when it makes no such type. */
export function quantizeType(raw: string): string | undefined {
  return (
    QUANTIZE_TYPES.find((q) => q.toUpperCase() === raw.trim().toUpperCase()) ??
    (raw.trim().toUpperCase() === 'Q4_K' ? 'q4_K_M' : undefined)
  );
}

/** The request to send, or the first thing wrong with it, naming the field. */
export function checkCreate(input: CreateInput): CreateCheck {
  const name = parseModelName(input.name);
  if (!name.ok) return { ok: false, error: `name: ${name.error}` };
  const from = parseModelName(input.from);
  if (!from.ok) return { ok: false, error: `from: ${from.error}` };
  if (name.name.display.toLowerCase() === from.name.display.toLowerCase())
    return {
      ok: false,
      error: `name and from are both ${quoted(name.name.display)} — a model is made under a new name`,
    };
  for (const [field, value] of [
    ['system', input.system],
    ['template', input.template],
  ] as const) {
    const problem = textProblem(field, value);
    if (problem) return { ok: false, error: problem };
  }
  const request: CreateModelRequest = { model: name.name.display, from: from.name.display };
  if (input.system !== undefined) request.system = input.system;
  if (input.template !== undefined) request.template = input.template;
  if (input.parameters !== undefined) {
    if (!isObject(input.parameters))
      return {
        ok: false,
        error: `parameters must be an object of Ollama's parameters, e.g. {"temperature": 0.2, "num_ctx": 16384}`,
      };
    const params = checkParameters(input.parameters);
    if (!params.ok) return params;
    if (Object.keys(params.value).length > 0) request.parameters = params.value;
  }
  if (input.messages !== undefined) {
    const messages = checkMessages(input.messages);
    if (!messages.ok) return messages;
    request.messages = messages.value;
  }
  if (input.quantize !== undefined) {
    const q = quantizeType(input.quantize);
    if (!q)
      return {
        ok: false,
        error:
          `quantize: ${quoted(shortened(input.quantize))} is not a type Ollama makes — one of ` +
          `${QUANTIZE_TYPES.join(', ')}`,
      };
    request.quantize = q;
  }
  return { ok: true, request };
}
