/**
 * The first line a launch sends the shared server, and its answer. The hello says what stays the
 * client's: its working folder, its --project (or OLLM_PROJECT), the settings it keeps
 * (place.ts CLIENT_SETTINGS) and its pid; version, build and key must be the server's own, or it
 * refuses. Everything after the answer is the client's JSON-RPC, line for line. A connection may
 * instead send one of the control lines (control.ts: `who`, `retire`, `stop`). Each line is
 * bounded and checked where it enters.
 */
import * as z from 'zod';
import { BUILD_ID } from './build.js';
import { jsonLine } from './first-line.js';
import { TOOLSET_NAMES } from '../../orchestrator/config/schema.js';
import { PROFILE_NAMES } from '../../orchestrator/config/profiles.js';
import type { Settings } from '../../orchestrator/config/index.js';

export { firstLine, MAX_HELLO_BYTES } from './first-line.js';

const path = z.string().min(1).max(4096);

const buildIdSchema = z.string().regex(BUILD_ID);

export const helloSchema = z.strictObject({
  ollm: z.literal('hello'),
  version: z.string().min(1).max(64),
  /** The build's id (build.ts): a rebuilt checkout of the same version is another build. */
  build: buildIdSchema,
  key: z.string().regex(/^[0-9a-f]{16}$/),
  pid: z.number().int().positive(),
  /**
   * Sent by a launch moving from a server that left (forward.ts), not by a new one: it does not make this
   * server take over (retire.ts).
   */
  moving: z.literal(true).optional(),
  cwd: path,
  /** --project DIR, or OLLM_PROJECT: resolved against cwd by the server. */
  project: path.optional(),
  toolsets: z.array(z.enum(TOOLSET_NAMES)).min(1).max(TOOLSET_NAMES.length),
  model: z.string().min(1).max(400).optional(),
  defaultProfile: z.enum(PROFILE_NAMES),
});
export type Hello = z.infer<typeof helloSchema>;

export const whoSchema = z.strictObject({ ollm: z.literal('who') });

export const answerSchema = z.discriminatedUnion('ollm', [
  z.strictObject({ ollm: z.literal('ok'), pid: z.number().int().positive() }),
  z.strictObject({ ollm: z.literal('refused'), why: z.string().max(2000) }),
]);

/** One connected client, as doctor, `ollm-mcp shared` and ollm://fleet show it. */
const clientSchema = z.strictObject({
  name: z.string().max(200).optional(),
  version: z.string().max(200).optional(),
  pid: z.number().int(),
  cwd: z.string().max(4096),
  project: z.string().max(200).optional(),
  since: z.string().max(40),
});
/**
 * A server's answer to `who`: its pid, version and clients; since this build also its build, key,
 * home and settings file, when it started, whether a launch hosts it (or `ollm-mcp daemon`) and
 * whether it is retiring (optional: a server of an earlier build answers without them).
 */
export const whoAnswerSchema = z.strictObject({
  ollm: z.literal('clients'),
  pid: z.number().int(),
  version: z.string().max(64),
  build: buildIdSchema.optional(),
  builtAt: z.number().int().nonnegative().optional(),
  key: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
  home: z.string().max(4096).optional(),
  file: z.string().max(4096).optional(),
  since: z.string().max(40).optional(),
  daemon: z.boolean().optional(),
  retiring: z.boolean().optional(),
  clients: z.array(clientSchema).max(10_000),
});
export type WhoAnswer = z.infer<typeof whoAnswerSchema>;

/** A first line parsed and checked by `schema`; undefined (with why) when it is not one. */
export function parseLine<T>(line: string, schema: z.ZodType<T>): { value: T } | { why: string } {
  const read = jsonLine(line);
  return 'why' in read ? read : checkedBy(schema, read.data);
}

/** `data` checked by `schema`, or why it is not one (each issue at its path). */
export function checkedBy<T>(schema: z.ZodType<T>, data: unknown): { value: T } | { why: string } {
  const parsed = schema.safeParse(data);
  return parsed.success
    ? { value: parsed.data }
    : { why: parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ') };
}

/** What a client's hello says of the settings it keeps (place.ts CLIENT_SETTINGS), from its settings. */
export function clientPart(settings: Settings): Pick<Hello, 'toolsets' | 'model' | 'defaultProfile'> {
  return {
    toolsets: settings.toolsets,
    defaultProfile: settings.model.routing.defaultProfile,
    ...(settings.model.default !== undefined && { model: settings.model.default }),
  };
}

/**
 * The shared server's settings with the client's own (toolsets, default model and routing profile) in place
 * of its first client's.
 */
export function withClientSettings(
  settings: Settings,
  hello: Pick<Hello, 'toolsets' | 'model' | 'defaultProfile'>,
): Settings {
  const model = { ...settings.model, routing: { ...settings.model.routing, defaultProfile: hello.defaultProfile } };
  if (hello.model === undefined) delete model.default;
  else model.default = hello.model;
  return { ...settings, toolsets: hello.toolsets, model };
}
