/**
 * Each router model's own figures (/props?model=: its slots and its slot's window), asked once per
 * run of it — they change only when it is loaded again — and kept when it stops, as the best guess
 * of its next run (--fit decides it at each load). An unanswered ask is asked again next time.
 */
import type { ModelRuntime, RouterModel } from './llamacpp-api.js';

export class ModelRuntimes {
  private readonly runs = new Map<string, { value: Promise<ModelRuntime | undefined>; live: boolean }>();

  /**
   * A router model's own figures: asked (`ask`) once per run while it runs (loaded or sleeping), else those
   * of its last run.
   */
  of(m: RouterModel, ask: (id: string) => Promise<ModelRuntime | undefined>): Promise<ModelRuntime | undefined> {
    const known = this.runs.get(m.id);
    if (m.status !== 'loaded' && m.status !== 'sleeping') {
      if (known) known.live = false;
      return known?.value ?? Promise.resolve(undefined);
    }
    if (known?.live) return known.value;
    const asked = ask(m.id).catch(() => undefined);
    const entry = { value: asked.then(async (v) => v ?? (await known?.value)), live: true };
    this.runs.set(m.id, entry);
    void asked.then((v) => v === undefined && (entry.live = false)); // no answer: asked again next time
    return entry.value;
  }
}
