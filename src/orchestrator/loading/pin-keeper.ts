/**
 * Pinned models against the evictions this server did not ask for: Ollama expiring every runner
 * after an out-of-memory during generation (server/sched.go expireRunnersForRuntimeOOM), its own
 * eviction to make room for another client's model, another client's unload, a restart of Ollama.
 *
 * Every reading of the host's /api/ps comes here (observe): a pinned model seen loaded before and
 * missing now is loaded again — through the planner, only when it fits without unloading anything,
 * one restore at a time (in the loader's queue). This server's own unloads unpin first, so they are
 * never undone. A model Ollama is still unloading (its expiry passed, or an out-of-memory expired
 * it) is watched until it has gone, then loaded again. Each restore is logged once and said in the
 * next result's notes (takeNotes).
 */
import type { RunningModel } from '../engines/engine-model.js';
import { log } from '../util/log.js';
import { sleep } from '../util/sleep.js';
import { UNLOAD_WAIT_PER_MODEL_MS } from './unload-ops.js';

/** What a restore found, in the loader's queue. */
export type RestoreResult =
  { state: 'loaded' } | { state: 'present' } | { state: 'unpinned' } | { state: 'no_room' | 'failed'; why: string };

/** What the keeper needs of its host's loader. */
export interface PinHost {
  readonly pins: ReadonlySet<string>;
  /** The host, for messages: "" with one host, " on gpubox" with several. */
  readonly where: string;
  /** What its engine is called, for what it did by itself: "Ollama", "llama-server". */
  readonly engine: string;
  /** /api/ps now (it comes back through observe too). */
  ps(): Promise<RunningModel[]>;
  /**
   * In the load queue: loads the pin again when it is still pinned, still missing, and fits without unloading
   * anything.
   */
  restore(name: string, contextLength: number | undefined): Promise<RestoreResult>;
}

/** After a restore that found no room, how long before the next reading tries again. */
const RETRY_MS = 30_000;
/** How long an out-of-memory's answer waits for the pins Ollama expired to be back before it is given. */
const OOM_GRACE_MS = 2000;
const POLL_MS = 100;

/** A model Ollama has started unloading: its expiry has passed (a pin is kept forever otherwise). */
function expiring(r: Pick<RunningModel, 'expires_at'>, now = Date.now()): boolean {
  const at = Date.parse(String(r.expires_at));
  return Number.isFinite(at) && at <= now + 1000;
}

export class PinKeeper {
  /** Pinned models seen loaded, with the context they ran with: what must come back. */
  private readonly expected = new Map<string, number | undefined>();
  private readonly retryAt = new Map<string, number>();
  /** Pins whose failed restore was logged (once per eviction). */
  private readonly warned = new Set<string>();
  /** Restores done in the background, for the next result's notes; `said` once an answer told them. */
  private readonly done: Array<{ name: string; note: string; loaded: boolean; said: boolean }> = [];
  private restoring?: Promise<void>;
  private readonly watching = new Set<string>();
  private stopped = false;

  constructor(private readonly host: PinHost) {}

  /** Every /api/ps reading: remember the pins loaded, and restore those that went. */
  observe(running: readonly RunningModel[], now = Date.now()): void {
    if (this.stopped) return;
    for (const name of [...this.expected.keys()]) if (!this.host.pins.has(name)) this.expected.delete(name);
    const going: string[] = [];
    for (const r of running) {
      if (!this.host.pins.has(r.name)) continue;
      if (expiring(r, now)) going.push(r.name);
      else {
        this.expected.set(r.name, r.context_length);
        this.warned.delete(r.name);
      }
    }
    const unwatched = going.filter((n) => !this.watching.has(n));
    if (unwatched.length) void this.watch(unwatched);
    if (this.missing(running, now).length) void this.restoreMissing();
  }

  /** At shutdown: nothing is restored any more. */
  stop(): void {
    this.stopped = true;
  }

  /** Notes on pins loaded again that no answer has told yet (each said once). */
  takeNotes(): string[] {
    const notes = this.done.filter((d) => !d.said).map((d) => d.note);
    this.done.length = 0;
    return notes;
  }

  /**
   * After an out-of-memory during generation: Ollama expires every runner (pins included) and
   * unloads them one at a time. The pins among `before` are watched until they have gone and are
   * loaded again; the answer waits up to OOM_GRACE_MS for that and says what happened.
   */
  async afterOutOfMemory(before: ReadonlyArray<Pick<RunningModel, 'name' | 'context_length'>>): Promise<string> {
    if (this.stopped) return '';
    const pinned = before.filter((b) => this.host.pins.has(b.name));
    for (const b of pinned) {
      if (!this.expected.has(b.name)) this.expected.set(b.name, b.context_length);
      this.retryAt.delete(b.name); // a new eviction: try again at once
    }
    const watched = this.watch(
      pinned.map((p) => p.name),
      UNLOAD_WAIT_PER_MODEL_MS * Math.max(1, before.length),
    );
    await Promise.race([watched.then(() => this.restoring), sleep(OOM_GRACE_MS, { unref: true })]);
    const now = await this.host.ps().catch(() => undefined);
    if (!now) return '';
    const told = this.done.filter((d) => !d.said && pinned.some((p) => p.name === d.name));
    for (const d of told) d.said = true;
    const back = told.filter((d) => d.loaded).map((d) => d.name);
    const isTold = (name: string) => told.some((d) => d.name === name);
    const live = (name: string) => now.some((n) => n.name === name && !expiring(n));
    const gone = before.filter((b) => back.includes(b.name) || !live(b.name)).map((b) => b.name);
    const present = pinned.filter((p) => !isTold(p.name) && now.some((n) => n.name === p.name)).map((p) => p.name);
    const coming = pinned.filter((p) => !isTold(p.name) && !now.some((n) => n.name === p.name)).map((p) => p.name);
    const parts = [
      ...(back.length ? [`pinned ${back.join(', ')} ${back.length > 1 ? 'were' : 'was'} loaded again`] : []),
      ...told
        .filter((d) => !d.loaded)
        .map((d) => d.note.replace(/^Pinned (\S+) was unloaded by .*? and /, 'pinned $1 ').replace(/\.$/, '')),
      ...(present.length
        ? [
            `pinned ${present.join(', ')} ${present.length > 1 ? 'are' : 'is'} loaded again once ` +
              `${this.host.engine} has unloaded ${present.length > 1 ? 'them' : 'it'}`,
          ]
        : []),
      ...(coming.length ? [`pinned ${coming.join(', ')} ${coming.length > 1 ? 'are' : 'is'} being loaded again`] : []),
    ];
    if (gone.length === 0 && parts.length === 0) return '';
    return (
      `${this.host.engine} unloaded ${gone.length ? gone.join(', ') : 'none of them yet'} after ` +
      `it${parts.length ? `; ${parts.join('; ')}` : ''}.`
    );
  }

  private missing(running: readonly RunningModel[], now: number): string[] {
    return [...this.expected.keys()].filter(
      (name) =>
        this.host.pins.has(name) && !running.some((r) => r.name === name) && (this.retryAt.get(name) ?? 0) <= now,
    );
  }

  /** Polls /api/ps (each reading observed) until none of `names` is listed, within `budgetMs`. */
  private async watch(
    names: readonly string[],
    budgetMs = UNLOAD_WAIT_PER_MODEL_MS * Math.max(1, names.length),
  ): Promise<void> {
    const fresh = names.filter((n) => !this.watching.has(n));
    for (const n of fresh) this.watching.add(n);
    try {
      const deadline = Date.now() + budgetMs;
      while (!this.stopped && Date.now() < deadline) {
        const running = await this.host.ps().catch(() => undefined);
        if (!running || !names.some((n) => running.some((r) => r.name === n))) return;
        await sleep(POLL_MS, { unref: true });
      }
    } finally {
      for (const n of fresh) this.watching.delete(n);
    }
  }

  /** One restore at a time: every pin missing now is loaded again (in the loader's queue). */
  private restoreMissing(): Promise<void> {
    this.restoring ??= this.restoreAll().finally(() => (this.restoring = undefined));
    return this.restoring;
  }

  private async restoreAll(): Promise<void> {
    await Promise.resolve(); // observe() returns first
    for (const name of this.missing([], Date.now())) {
      const result = await this.host.restore(name, this.expected.get(name)).catch((err: unknown): RestoreResult => ({
        state: 'failed',
        why: err instanceof Error ? err.message : String(err),
      }));
      if (result.state === 'unpinned') this.expected.delete(name);
      else if (result.state === 'loaded') {
        this.retryAt.delete(name);
        const note =
          `pinned ${name} was unloaded by ${this.host.engine}${this.host.where} (this server did not ` +
          `ask for it) and was loaded again`;
        log.info(note);
        this.done.push({ name, note: `${note[0]!.toUpperCase()}${note.slice(1)}.`, loaded: true, said: false });
      } else if (result.state !== 'present') {
        this.retryAt.set(name, Date.now() + RETRY_MS);
        if (this.warned.has(name)) continue;
        this.warned.add(name);
        const note =
          `pinned ${name} was unloaded by ${this.host.engine}${this.host.where} and is not loaded ` +
          `again yet: ${result.why.replace(/[.\s]+$/, '')} — smart_load it with pin: true when wanted`;
        log.warn(note);
        this.done.push({ name, note: `${note[0]!.toUpperCase()}${note.slice(1)}.`, loaded: false, said: false });
      }
    }
  }
}
