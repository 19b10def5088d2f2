/**
 * The windows an OpenAI-compatible engine runs its models with, beside the trained ones its model
 * list reports: what it says (llama-swap's `meta.n_ctx` on /v1/models, a single llama-server's
 * /props `default_generation_settings.n_ctx`), and what its refusals named (context-limit.ts),
 * per model — one such record per host. Work is sized to the smaller; a refusal learned while the
 * engine said another window than it says now (restarted with other settings) no longer counts.
 */

/** How long a /props reading stands before the next listing reads it again (a restart may change the window). */
export const PROPS_TTL_MS = 60_000;

export class RuntimeWindows {
  /** The window each model runs with, where the model list says it. */
  private listed = new Map<string, number>();
  /** A single llama-server's /props reading: its model, the window it runs with (undefined: not said), when read. */
  private props: { id: string; window: number | undefined; at: number } | undefined;
  /** Windows refusals named, per model, with what the engine said of its window when they were learned. */
  private readonly learned = new Map<string, { limit: number; said: number | undefined }>();

  /** What the last model list said. */
  listing(runtime: Map<string, number>): void {
    this.listed = runtime;
  }

  /**
   * Whether the /props of a single llama-server serving `id` is to be read (never read, another model, or
   * older than a minute).
   */
  propsDue(id: string, now = Date.now()): boolean {
    return this.props?.id !== id || now - this.props.at >= PROPS_TTL_MS;
  }

  /** What its /props said (undefined: no window there). */
  propsRead(id: string, window: number | undefined, now = Date.now()): void {
    this.props = { id, window, at: now };
  }

  /** The window the engine runs `model` with now: what it says or a refusal named, the smaller. */
  of(model: string): number | undefined {
    const said = this.said(model);
    const learned = this.learned.get(model);
    const limit = learned && learned.said === said ? learned.limit : undefined;
    return limit === undefined ? said : said === undefined ? limit : Math.min(limit, said);
  }

  /** A refusal named `limit` as the window `model` runs with. */
  learn(model: string, limit: number): void {
    const said = this.said(model);
    const before = this.learned.get(model);
    this.learned.set(model, { limit: before && before.said === said ? Math.min(before.limit, limit) : limit, said });
  }

  /** Every window learned from refusals that still counts, by model. */
  learnedWindows(): ReadonlyMap<string, number> {
    return new Map([...this.learned].filter(([m, l]) => l.said === this.said(m)).map(([m, l]) => [m, l.limit]));
  }

  private said(model: string): number | undefined {
    return this.listed.get(model) ?? (this.props?.id === model ? this.props.window : undefined);
  }
}
