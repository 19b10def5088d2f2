/**
 * Another ollm-mcp as a host of the fleet (`kind: ollm`): a team's GPU box serving
 * `ollm-mcp --transport http` beside its engine, reached as an MCP client (ollm-client.ts). Its models are
 * those its list_models lists, with their window; what it holds loaded is its list's `loaded`;
 * a model's card is its show_model; a generation is its route_and_generate (ollm-generate.ts).
 * Its memory is its own plan's — loads, pins, unloads, fairness between every caller of the box —
 * so this server plans none of it (`can.managesMemory` false, as for an OpenAI-compatible engine):
 * it never loads, unloads, pulls or deletes there, and never asks the box's engine directly.
 */
import type { CallOptions, Engine, EngineCapabilities } from '../engine.js';
import type { CreateModelRequest, GenerateDone, GenerateRequest } from '../engine-requests.js';
import type { EngineModel, ModelShow } from '../engine-model.js';
import { HostError } from '../host-error.js';
import { boxModels, boxRefusal, boxShow, showOf, type BoxList } from './ollm-answers.js';
import type { BoxRef, ListedModel } from './ollm-schemas.js';
import { BoxConnection, type BoxOptions } from './ollm-client.js';
import { boxGenerate } from './ollm-generate.js';

export interface OllmEngineOptions extends BoxOptions {
  /** Requests sent to it at once per model (settings' numParallel). */
  parallel: number;
  /** This machine's engine at this host:port, reached through the ollm-mcp of this user planning it. */
  engine?: string;
}

/** A reading of its list from this long ago is used again (placements come many a second). */
const LIST_REUSE_MS = 1000;
/**
 * A placement's reading (CallOptions.recent) from this long ago is used while the next is read, its round trip
 * off the call's path: an agent's calls come seconds apart. What it decides is checked where it matters — a
 * generation goes straight to this machine's engine only under a hold the planner grants now, with the window
 * the model is loaded with now and no smaller than planned (holds/leases.ts), else through the planner, which
 * plans it afresh; a box plans its own memory — so an older list only sends a call somewhere first.
 */
export const LIST_RECENT_MS = 30_000;

/**
 * A reading behind a placement is asked this long after it: the call it was begun by has its answer by then
 * (a quick one's takes milliseconds), and the other server, busy with the list, holds up none of its lines (a
 * hold asked again, its begin and end).
 */
export const LIST_BEHIND_MS = 250;
/** A reading of its list: `askNow` asks at once one left for after a call (LIST_BEHIND_MS). */
type Reading = { at: number; answer: Promise<BoxList>; refresh: boolean; done: boolean; askNow?: () => void };

export class OllmEngine implements Engine {
  readonly kind = 'ollm' as const;
  readonly engineName = 'the ollm-mcp there';
  readonly can: EngineCapabilities;
  readonly url: string;
  readonly box: BoxConnection;
  onPs?: (running: EngineModel[]) => void;
  private listed = new Map<string, ListedModel>();
  /** The planner's name for `options.engine`, as its last list said (undefined: it lists one host). */
  protected there: string | undefined;
  private reading: Reading | undefined;
  /** The last reading answered. */
  private known: Reading | undefined;

  constructor(protected readonly options: OllmEngineOptions) {
    this.url = options.url;
    this.box = new BoxConnection(options);
    this.can = {
      managesMemory: false,
      pullAndDelete: false,
      contextPerRequest: false,
      tokenize: false,
      embeddings: false,
      parallelSlots: options.parallel,
    };
  }

  get host(): string {
    return this.box.host;
  }

  get who(): string {
    return this.box.who;
  }

  protected get ref(): BoxRef {
    return { who: this.who, host: this.host };
  }

  protected limit(options: CallOptions): number {
    return options.timeoutMs || this.options.timeoutMs;
  }

  /** Its health: an MCP ping. */
  async version(options: CallOptions = {}): Promise<string> {
    await this.box.ping({ signal: options.signal, timeoutMs: this.limit(options) });
    return 'ollm-mcp';
  }

  /**
   * Its list_models, read at most once a second; asked to refresh, it asks the box to refresh too (past the
   * box's own cache). A placement (`recent`) takes the last answer under LIST_RECENT_MS old while the next
   * one is read.
   */
  protected async models(options: CallOptions): Promise<BoxList> {
    const now = Date.now();
    const last = this.reading;
    // a refresh is answered by a refreshing read still under way (list_models asks list and ps at once), by no other
    const fresh = last?.refresh === true && !last.done;
    // a placement's: the last answer, while it is recent enough
    const known = options.recent === true && !options.refresh && now - (this.known?.at ?? -Infinity) <= LIST_RECENT_MS;
    if (!last || now - last.at > LIST_REUSE_MS || (options.refresh && !fresh)) this.read(options, now, known);
    const reading = known && !this.reading!.done ? this.known! : this.reading!;
    reading.askNow?.(); // one waited for is asked at once, if it was left for after a call
    const read = await reading.answer;
    this.listed = read.listed;
    this.there = read.there;
    return read;
  }

  /**
   * A new reading of its list_models, given the caller's signal only when it waits for it; one `behind` a
   * placement is asked LIST_BEHIND_MS later (or when someone waits for it), without a signal.
   */
  private read(options: CallOptions, now: number, behind: boolean): void {
    const args = options.refresh ? { refresh: true } : {};
    const signal = behind ? undefined : options.signal;
    const ask = () => this.box.callTool('list_models', args, { signal, timeoutMs: this.limit(options) });
    let askNow: (() => void) | undefined;
    const asked = behind ? new Promise<void>((r) => ((askNow = r), setTimeout(r, LIST_BEHIND_MS).unref())) : undefined;
    const answer = (asked ? asked.then(ask) : ask()).then((r) => {
      if (r.isError) throw boxRefusal('list_models', r.content, this.ref);
      return boxModels(r.structuredContent, this.ref, this.options.engine);
    });
    const reading: Reading = { at: now, answer, refresh: options.refresh === true, done: false, askNow };
    this.reading = reading;
    answer.then(
      () => {
        reading.done = true;
        if (!this.known || this.known.at <= reading.at) this.known = reading;
      },
      () => {
        reading.done = true;
        if (this.reading?.answer === answer) this.reading = undefined;
      },
    );
  }

  async list(options: CallOptions = {}): Promise<EngineModel[]> {
    return (await this.models(options)).installed;
  }

  /** What the box holds loaded now, as its list says (its own plan loads and unloads them). */
  async ps(options: CallOptions = {}): Promise<EngineModel[]> {
    const { loaded } = await this.models(options);
    this.onPs?.(loaded);
    return loaded;
  }

  /** Its show_model; when that fails, what its list said of the model. */
  async show(model: string, options: CallOptions = {}): Promise<ModelShow> {
    try {
      const r = await this.box.callTool(
        'show_model',
        { model },
        { signal: options.signal, timeoutMs: this.limit(options) },
      );
      if (r.isError) throw boxRefusal('show_model', r.content, this.ref, model);
      return boxShow(r.structuredContent, this.ref);
    } catch (err) {
      const known = this.listed.get(model);
      if (known && err instanceof HostError && err.kind !== 'aborted') return showOf(known);
      throw err;
    }
  }

  /** The box loads a model for its first request, by its own plan: nothing to do here. */
  async load(): Promise<number | undefined> {
    return undefined;
  }

  async unload(model: string): Promise<void> {
    throw new HostError(
      'not_supported',
      `${this.who} plans its own memory; ollm-mcp here does not unload ${JSON.stringify(model)} ` +
        `there — ask that server (its unload_model), or let its plan do it.`,
      this.host,
    );
  }

  generate(req: GenerateRequest, options: CallOptions = {}): Promise<GenerateDone> {
    return boxGenerate(this.box, this.ref, req, options);
  }

  async pull(model: string): Promise<void> {
    throw new HostError(
      'not_supported',
      `${this.who} downloads its models itself — pull ${JSON.stringify(model)} there (its ` +
        `pull_model); pull_model here works on Ollama hosts.`,
      this.host,
    );
  }

  async delete(model: string): Promise<void> {
    throw new HostError(
      'not_supported',
      `${this.who} deletes its models itself — delete ${JSON.stringify(model)} there (its delete_model).`,
      this.host,
    );
  }

  async createInstead(req: CreateModelRequest): Promise<string> {
    const params = Object.entries(req.parameters ?? {}).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    return (
      `make ${JSON.stringify(req.model)} on that server (its create_model from ` +
      `${JSON.stringify(req.from)}${params.length ? ` with ${params.join(', ')}` : ''}), or send ` +
      `the system prompt with each request (route_and_generate's system)`
    );
  }

  toError(err: unknown, what: string, ctx: CallOptions = {}): HostError {
    return this.box.failure(err, what, ctx.signal);
  }
}
