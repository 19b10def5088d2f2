/**
 * This machine's engine (Ollama, llama.cpp) while another ollm-mcp server of this user plans it — the
 * one holding its claim (planned-elsewhere.ts) — seen as that server sees it, so every server of the
 * user shows one view of one engine (issue 75, finding 8). Reached as another ollm-mcp is
 * (OllmEngine), but its list is that engine's alone: the planner's host at this engine's address,
 * cloud models included (ollm-answers.ts boxModels `engine`). What it holds, its memory and pins are
 * the planner's status of that host (`hostView`: its show_status), and an unload or a load — a pin
 * too — is asked of the planner for that host (`unloadThere`: its unload_model; `loadThere`: its
 * smart_load), whose plan carries it out. A team's box (hosts: kind ollm) is an OllmEngine, never
 * this: its memory is its own, and nothing of it is asked there.
 */
import * as z from 'zod';
import type { CallOptions } from '../engine.js';
import type {
  PlannedThere,
  PlannerHostView,
  PlannerLoad,
  PlannerLoadAnswer,
  PlannerUnloadAnswer,
  UnloadAsked,
} from '../planned-there.js';
import { boxRefusal, sameAddress } from './ollm-answers.js';
import { OllmEngine, type OllmEngineOptions } from './ollm-engine.js';
import { HostError } from '../host-error.js';
import { AGENT_META_KEY } from '../../config/agents.js';

const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(1_000_000);
const text = z.string().max(2000);
const name = z.string().min(1).max(256);
const MAX = 2048;

const capacity = z.object({
  kind: z.enum(['gpu', 'cpu', 'unknown']),
  source: z.enum(['this machine', 'settings', 'learned', 'unknown']).catch('unknown'),
  note: text.catch(''),
  ramTotalBytes: bytes.optional(),
  ramAvailableBytes: bytes.optional(),
  vramTotalBytes: bytes.optional(),
  vramFreeBytes: bytes.optional(),
  maxLoadedModels: count,
  numParallel: count,
});
const extraCopy = z.object({ of: name, why: text, since: text, lastUsedAt: text, releasedAfterIdleSeconds: count });
const loaded = z.object({
  name,
  sizeBytes: bytes,
  vramBytes: bytes,
  expiresAt: z.string().max(64),
  keptForever: z.boolean(),
  contextLength: count.optional(),
  pinned: z.boolean(),
  requestsRunning: count,
  extraCopy: extraCopy.optional().catch(undefined),
});
const routerModel = z.object({ name, status: z.string().max(64), sizeBytes: bytes, sizeSource: z.string().max(64) });
const hostEntry = z.object({
  name,
  url: z.string().max(1024),
  kind: z.enum(['ollama', 'llamacpp']),
  managesMemory: z.literal(true),
  capacity,
  loaded: z.array(loaded).max(MAX),
  requestsRunning: count,
  learnedSizes: z
    .array(z.object({ model: name, figure: text }))
    .max(64)
    .catch([]),
  router: z.boolean().optional().catch(undefined),
  modelsMax: count.optional().catch(undefined),
  models: z.array(routerModel).max(MAX).optional().catch(undefined),
});
const memory = z.object({ budgetBytes: bytes, headroomBytes: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER) });
const statusAnswer = z.object({ hosts: z.array(z.unknown()).max(256), memory: memory.optional().catch(undefined) });
const loadAnswer = z.object({
  model: name,
  action: z.enum(['already_loaded', 'loaded', 'would_load', 'refused']),
  unloaded: z.array(name).max(MAX),
  requiredBytes: bytes,
  availableBytes: z.number(),
  reason: z.string().max(8000),
  keepAlive: z.union([z.number(), z.string().max(64)]),
  pinned: z.boolean(),
  contextLength: count,
  contextRaisedFrom: count.optional(),
  loadMs: z.number().min(0).optional(),
  unloadWaitMs: z.number().min(0).optional(),
  fitsInVram: z.boolean().optional(),
  obtainableBytes: z.number().optional(),
});
const unloadAnswer = z.object({
  unloaded: z.array(name).max(MAX),
  kept: z.array(z.object({ model: name, why: text })).max(MAX),
  notLoaded: z.array(name).max(MAX),
  unloadWaitMs: z.number().min(0).optional(),
});

/** `value` as `schema` says, or the bad_response error naming the tool. */
function checked<T>(schema: z.ZodType<T>, value: unknown, tool: string, who: string, host: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new HostError(
    'bad_response',
    `${who} answered ${tool} with something that is not ollm-mcp's answer ` +
      `(${issue.path.join('.') || 'its result'}: ${issue.message}).`,
    host,
  );
}

export class PlannerEngine extends OllmEngine implements PlannedThere {
  constructor(options: OllmEngineOptions & { engine: string }) {
    super(options);
  }

  /** A tool of the planner, for this engine's host there; its refusal as a HostError. */
  private async ask(
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions,
    model?: string,
  ): Promise<unknown> {
    if (this.there === undefined)
      await this.models({ ...(options.signal && { signal: options.signal }) }).catch(() => undefined);
    const host = this.there === undefined ? {} : { host: this.there };
    // a load or an unload may wait there (for room, for requests to end): its limit runs from its last progress
    const call = { signal: options.signal, timeoutMs: options.timeoutMs || this.limit(options), onProgress: () => {} };
    const r = await this.box.callTool(tool, { ...args, ...host }, call);
    if (r.isError) throw boxRefusal(tool, r.content, this.ref, model);
    return r.structuredContent;
  }

  /**
   * The planner's status of this engine: its show_status entry at this address (its only host when
   * it has one); undefined when it shows none.
   */
  async hostView(options: CallOptions = {}): Promise<PlannerHostView | undefined> {
    // relayed (an agent named in _meta): that server asks no other one for its status (fleet-status.ts)
    const meta = { [AGENT_META_KEY]: 'status' };
    const call = { signal: options.signal, timeoutMs: options.timeoutMs || this.limit(options), meta };
    const r = await this.box.callTool('show_status', {}, call);
    if (r.isError) throw boxRefusal('show_status', r.content, this.ref);
    const answer = checked(statusAnswer, r.structuredContent, 'show_status', this.who, this.host);
    const at = (h: unknown) =>
      typeof (h as { url?: unknown } | null)?.url === 'string' &&
      sameAddress((h as { url: string }).url, this.options.engine!);
    const entry = answer.hosts.length === 1 ? answer.hosts[0] : answer.hosts.find(at);
    const parsed = entry === undefined ? undefined : hostEntry.safeParse(entry);
    if (!parsed?.success) return undefined;
    const { name: there, url: _url, managesMemory: _m, ...view } = parsed.data;
    // its budget and headroom are those of that server's ollama.host
    return { ...view, ...(there === 'ollama' && answer.memory && { memory: answer.memory }) };
  }

  async unloadThere(target: UnloadAsked, options: CallOptions = {}): Promise<PlannerUnloadAnswer> {
    const args =
      'all' in target
        ? { all: true, ...(target.includePinned !== undefined && { includePinned: target.includePinned }) }
        : { model: target.models[0]! };
    return checked(
      unloadAnswer,
      await this.ask('unload_model', args, options, 'all' in target ? undefined : target.models[0]),
      'unload_model',
      this.who,
      this.host,
    );
  }

  async loadThere(req: PlannerLoad, options: CallOptions = {}): Promise<PlannerLoadAnswer> {
    const { model, keepAlive, pin, dryRun } = req;
    const args = {
      model,
      ...(keepAlive !== undefined && { keepAlive }),
      ...(pin !== undefined && { pin }),
      ...(dryRun !== undefined && { dryRun }),
    };
    return checked(loadAnswer, await this.ask('smart_load', args, options, model), 'smart_load', this.who, this.host);
  }
}
