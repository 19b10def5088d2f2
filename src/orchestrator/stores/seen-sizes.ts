/**
 * What models took once loaded, per host, model (by its digest: a re-pulled model is learned
 * afresh) and context — kept in the state database and shared by every ollm-mcp process on the
 * machine, as sums, counts and extremes (storage/summed-table.ts). The planner learns from it
 * (loading/learned-size.ts); list_models, show_model and show_status say when it does.
 */
import { SummedTable } from '../storage/summed-table.js';
import type { SeenSize } from '../loading/learned-size.js';
import { log } from '../util/log.js';

interface Sums {
  count: number;
  sumBytes: number;
  /** 0 while nothing was observed (the neutral value of min). */
  minBytes: number;
  maxBytes: number;
  sumVramBytes: number;
  lastMs: number;
}

/** Beyond this a report is not a model's memory (a petabyte): the row is not kept. */
const MAX_BYTES = 1e15;
const zero = (): Sums => ({ count: 0, sumBytes: 0, minBytes: 0, maxBytes: 0, sumVramBytes: 0, lastMs: 0 });
const num = (v: unknown, max: number): number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : NaN;

function add(a: Sums, b: Sums): Sums {
  a.minBytes = a.count === 0 ? b.minBytes : b.count === 0 ? a.minBytes : Math.min(a.minBytes, b.minBytes);
  a.maxBytes = Math.max(a.maxBytes, b.maxBytes);
  a.count += b.count;
  a.sumBytes += b.sumBytes;
  a.sumVramBytes += b.sumVramBytes;
  a.lastMs = Math.max(a.lastMs, b.lastMs);
  return a;
}

/** A stored row, or null when any figure is not a sane number (a person may have edited the database). */
function parseRow(raw: unknown): Sums | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const count = num(r.count, 1e9);
  const row: Sums = {
    count,
    sumBytes: num(r.sumBytes, MAX_BYTES * count),
    minBytes: num(r.minBytes, MAX_BYTES),
    maxBytes: num(r.maxBytes, MAX_BYTES),
    sumVramBytes: num(r.sumVramBytes, MAX_BYTES * count),
    lastMs: num(r.lastMs, 1e15),
  };
  return Object.values(row).every((v) => !Number.isNaN(v)) && row.count >= 1 && row.minBytes <= row.maxBytes
    ? row
    : null;
}

/** Host, model and digest, then the context: the context is the last part, so one model's rows share a prefix. */
const prefix = (host: string, model: string, digest: string) =>
  JSON.stringify([host, model, digest.slice(0, 64)]).slice(0, -1);

export class SeenSizes extends SummedTable<Sums> {
  constructor(home: string, options: { flushDelayMs?: number } = {}) {
    super(home, 'seen-sizes', { parseRow, serialiseRow: (r) => ({ ...r }), parseFile: () => null, zero, add }, options);
  }

  /** One load's memory: `bytes` in all (`vramBytes` of it on GPUs) at `contextLength`. Never throws. */
  record(host: string, model: string, digest: string, contextLength: number, bytes: number, vramBytes: number): void {
    try {
      if (!model || !(contextLength > 0) || !(bytes > 0) || bytes > MAX_BYTES) return;
      const vram = Math.max(0, Math.min(bytes, vramBytes || 0));
      this.addDelta(`${prefix(host, model, digest)},${Math.round(contextLength)}]`, {
        count: 1,
        sumBytes: bytes,
        minBytes: bytes,
        maxBytes: bytes,
        sumVramBytes: vram,
        lastMs: Date.now(),
      });
    } catch (e) {
      log.debug(`seen sizes: record failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Every context `model` (this digest) was observed at on `host`. */
  seen(host: string, model: string, digest: string): SeenSize[] {
    const head = `${prefix(host, model, digest)},`;
    const out: SeenSize[] = [];
    for (const [key, r] of this.rows()) {
      if (!key.startsWith(head) || r.count < 1) continue;
      const contextLength = Number(key.slice(head.length, -1));
      if (!(contextLength > 0)) continue;
      out.push({
        contextLength,
        count: r.count,
        meanBytes: r.sumBytes / r.count,
        minBytes: r.minBytes,
        maxBytes: r.maxBytes,
        meanVramBytes: r.sumVramBytes / r.count,
      });
    }
    return out;
  }

  /** The models learned on `host`, each with its most recent observation's context: for show_status. */
  models(host: string): Array<{ model: string; seen: SeenSize; lastMs: number }> {
    const out = new Map<string, { model: string; seen: SeenSize; lastMs: number }>();
    for (const row of this.learnedOn(host)) {
      const had = out.get(row.model);
      if (!had || row.lastMs > had.lastMs) out.set(row.model, { model: row.model, seen: row.seen, lastMs: row.lastMs });
    }
    return [...out.values()].sort((a, b) => b.lastMs - a.lastMs);
  }

  /** Every figure learned on `host`: model, digest and context, for doctor. */
  learnedOn(host: string): Array<{ model: string; digest: string; seen: SeenSize; lastMs: number }> {
    const out: Array<{ model: string; digest: string; seen: SeenSize; lastMs: number }> = [];
    for (const [key, r] of this.rows()) {
      let parts: unknown;
      try {
        parts = JSON.parse(key) as unknown;
      } catch {
        continue;
      }
      if (
        !Array.isArray(parts) ||
        parts[0] !== host ||
        typeof parts[1] !== 'string' ||
        typeof parts[2] !== 'string' ||
        typeof parts[3] !== 'number' ||
        r.count < 1
      )
        continue;
      const seen: SeenSize = {
        contextLength: parts[3],
        count: r.count,
        meanBytes: r.sumBytes / r.count,
        minBytes: r.minBytes,
        maxBytes: r.maxBytes,
        meanVramBytes: r.sumVramBytes / r.count,
      };
      out.push({ model: parts[1], digest: parts[2], seen, lastMs: r.lastMs });
    }
    return out;
  }

  /** Forgets every figure learned, on every host, for every process on this machine; returns how many there were. */
  async reset(): Promise<number> {
    await this.load();
    const had = this.rows().size;
    await this.forgetAll();
    return had;
  }
}
