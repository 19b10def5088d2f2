/**
 * Ollama's unload worker (sched.go processCompleted): keep_alive 0, an expiry or an eviction only
 * queues a runner; one worker unloads them one at a time. Each unload takes unloadDelayMs, during
 * which the model stays in /api/ps; then it is gone, and on a discrete GPU the worker waits
 * gpuRecoveryMs for the GPU's free memory to read right again (its VRAM still reads as used)
 * before it signals the unload done and takes the next one. A busy runner is skipped and queued
 * again when its last request ends. With both delays 0 an unload completes at once.
 */
import type { Memory } from './memory.js';
import type { Runner } from './runner.js';
import { sleep } from './exchange.js';

export interface UnloadDeps {
  readonly unloadDelayMs: number;
  readonly gpuRecoveryMs: number;
  readonly memory: Memory;
  readonly life: AbortSignal;
  /** The runner's process is gone: take it out of the loaded set (and count it). */
  closed(r: Runner): void;
}

export class UnloadQueue {
  private readonly queue: Runner[] = [];
  private running = false;

  constructor(private readonly deps: UnloadDeps) {}

  /** Queue an idle runner for unloading (no-op when it is queued already or on its way out). */
  push(r: Runner): void {
    if (r.queued || r.state !== 'loaded') return;
    r.queued = true;
    this.queue.push(r);
    if (!this.running) void this.run();
  }

  /** Runners waiting to be unloaded. */
  pending(): number {
    return this.queue.length;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let r = this.queue.shift(); r; r = this.queue.shift()) {
        r.queued = false;
        if (r.state !== 'loaded' || r.inFlight > 0) continue; // busy: queued again when its request ends
        r.state = 'closing';
        if (this.deps.unloadDelayMs > 0) await sleep(this.deps.unloadDelayMs, this.deps.life);
        this.deps.closed(r);
        r.state = 'gone';
        if (this.deps.gpuRecoveryMs > 0 && this.deps.memory.recovering(r)) {
          await sleep(this.deps.gpuRecoveryMs, this.deps.life);
          this.deps.memory.recovered(r);
        }
        r.markGone();
      }
    } finally {
      this.running = false;
    }
  }
}
