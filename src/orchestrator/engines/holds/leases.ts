/**
 * Holds of loaded models between the ollm-mcp servers of a machine sharing an engine (issue 74):
 * what an engine's claim carries (planned-elsewhere.ts) — the planner's desk (desk.ts) and the
 * relaying side's connection to each planner (client.ts) — and the two calls that use them: a
 * generation under a hold, straight to the engine; a load or unload, sent once the model is closed.
 */
import type { CallOptions, Engine } from '../engine.js';
import type { GenerateRequest } from '../engine-requests.js';
import { HoldClient, type HoldPlanner } from './client.js';
import { HoldDesk, type Lender } from './desk.js';

/**
 * What a planner's loader lends holds from (fleet-hosts.ts): its count of requests, what it loads models with,
 * and the models a load whose turn has come unloads.
 */
export type Lent = Pick<Lender, 'begin' | 'keepAlive' | 'claimed'>;

/** The holds of one engine, as its claim carries them. */
export interface EngineLeases {
  /** The engine, as both sides name it (engine-claims.ts engineKey). */
  key: string;
  desk: HoldDesk;
  /** The connection to `planner` (one per planner; asking for another planner's closes the last one's). */
  client(planner: HoldPlanner, sendable: () => boolean): HoldClient;
}

/** One serving process's holds: its desk, and its connections to the planners of the engines it shares. */
export class Leases {
  readonly desk = new HoldDesk();
  private readonly clients = new Map<string, HoldClient>();

  of(key: string): EngineLeases {
    return { key, desk: this.desk, client: (planner, sendable) => this.client(planner, sendable) };
  }

  private client(planner: HoldPlanner, sendable: () => boolean): HoldClient {
    const at = `${planner.url}\0${planner.token}`;
    let c = this.clients.get(at);
    if (!c) {
      c = new HoldClient({ url: planner.url, token: planner.token }, sendable);
      this.clients.set(at, c);
    }
    return c;
  }

  /** Ends every connection (the process leaves). */
  close(): void {
    this.desk.shut();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/**
 * A generation while another server plans the engine: under a current hold on its model — or one asked
 * again as it comes, where the last ran out (client.ts renewed) — straight to the engine (with the window
 * and keep-alive the model is loaded with, so the engine never loads it again), its begin and end told to
 * the planner; without one, or where the model is loaded with a smaller window than the request was planned
 * for (its placement read the planner's list a while ago), `through` the planner — which may load it — and a
 * hold asked once that answered.
 */
export async function heldGenerate(
  holds: HoldClient,
  key: string,
  direct: Engine,
  args: unknown[],
  through: () => Promise<unknown>,
): Promise<unknown> {
  const req = args[0] as GenerateRequest;
  const hold = holds.usable(key, req.model) ?? (await holds.renewed(key, req.model));
  if (!hold || !fitsHeld(req, hold.numCtx)) return through().then((done) => (holds.ask(key, req.model), done));
  const sent: GenerateRequest = {
    ...req,
    keepAlive: hold.keepAlive,
    ...(hold.numCtx !== undefined && { numCtx: hold.numCtx }),
  };
  return holds.run(key, req.model, () => direct.generate(sent, args[1] as CallOptions | undefined));
}

/**
 * Whether `req` fits the window its model is loaded with (`numCtx`): one no smaller than the request was planned
 * for does; a smaller one (its placement read an older list of the planner's) only where its prompt and answer
 * surely fit — counted at a token every 2 bytes, more than any tokenizer makes of text — else the planner plans it.
 */
function fitsHeld(
  req: Pick<GenerateRequest, 'prompt' | 'system' | 'images' | 'maxTokens' | 'numCtx'>,
  numCtx?: number,
): boolean {
  if (numCtx === undefined || numCtx >= req.numCtx) return true;
  if (req.images?.length) return false; // an image's tokens are the engine's to count
  const bytes = Buffer.byteLength(req.prompt) + (req.system ? Buffer.byteLength(req.system) : 0);
  return Math.ceil(bytes / 2) + req.maxTokens <= numCtx;
}

/** A load or unload this server sends as the engine's planner: once no hold on the model is current, nor a request. */
export async function closedFor(
  leases: EngineLeases,
  prop: PropertyKey,
  args: unknown[],
  send: () => unknown,
): Promise<unknown> {
  const model =
    prop === 'load'
      ? (args[0] as { model?: string } | undefined)?.model
      : prop === 'unload'
        ? (args[0] as string | undefined)
        : undefined;
  if (typeof model !== 'string') return send();
  const reopen = await leases.desk.close(leases.key, model);
  try {
    return await send();
  } finally {
    reopen();
  }
}
