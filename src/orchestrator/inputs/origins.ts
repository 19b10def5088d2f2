/**
 * What this process read from the machine on its callers' behalf, as content fingerprints
 * (fingerprint.ts): every text the input readers return (files, globs, diffs) and every image read
 * by path is recorded where it is read (gather.ts), and the cloud fallback asks `heldIn` before it
 * sends anything (engines/openai/fallback.ts). So the origin travels with the text itself: a
 * template that embeds a file, a part of a split file, a prompt built by any later path — each is
 * recognised, with no flag for a caller to forget.
 *
 * Bounded: past `maxChars` (non-space characters of text read; an image counts IMAGE_COST) the
 * oldest reads are forgotten first.
 */
import { K, MIN_DISTINCT, MIN_SHORT, rollingHashes, squeeze, wholeHash, winnow } from './fingerprint.js';
import { FingerprintTable } from './fingerprint-table.js';

/**
 * Text read remembered by default (non-space characters): two calls at the default inputs.maxTotalBytes;
 * about 20 MB of fingerprints.
 */
const DEFAULT_MAX_CHARS = 16_000_000;
/** What an image read counts against maxChars (one hash is kept for it). */
const IMAGE_COST = 1_000;

/** What a request to the cloud carries: checked as a whole. */
export interface Outgoing {
  prompt: string;
  system?: string | undefined;
  images?: readonly string[] | undefined;
}

interface Read {
  id: number;
  label: string;
  cost: number;
  /** Winnowed fingerprints of a text long enough for k-grams. */
  hashes?: Float64Array;
  /** A short text's (or an image's) one hash, and the table it is in. */
  whole?: { table: FingerprintTable; hash: number };
}

/** The base64 of an image, without a data: URL's head (base64 holds no comma; the head ends with one). */
function imageData(image: string): string {
  return image.slice(image.indexOf(',') + 1);
}

function distinctUnits(s: Uint16Array): number {
  return new Set(s).size;
}

export class ReadOrigins {
  private readonly reads: Read[] = [];
  private readonly byId = new Map<number, Read>();
  /** Fingerprint → the newest read holding it. */
  private readonly grams = new FingerprintTable();
  /** Short texts by length: hash → the newest read. */
  private readonly shorts = new Map<number, FingerprintTable>();
  private readonly images = new FingerprintTable(16);
  private nextId = 1;
  private used = 0;

  constructor(readonly maxChars: number = DEFAULT_MAX_CHARS) {}

  /** Non-space characters (and image costs) remembered now. */
  get size(): number {
    return this.used;
  }

  /** Records a text read from this machine, under the name messages give it. */
  recordText(label: string, text: string): void {
    const s = squeeze(text);
    if (s.length >= K) {
      const hashes = winnow(s);
      const read = this.add(label, s.length, { hashes });
      for (const h of hashes) this.grams.set(h, read.id);
    } else if (s.length >= MIN_SHORT && distinctUnits(s) >= MIN_DISTINCT) {
      const table = this.shorts.get(s.length) ?? new FingerprintTable(16);
      this.shorts.set(s.length, table);
      const hash = wholeHash(s);
      const read = this.add(label, s.length, { whole: { table, hash } });
      table.set(hash, read.id);
    }
    this.evict();
  }

  /** Records an image read from this machine (its base64). */
  recordImage(label: string, base64: string): void {
    const hash = wholeHash(squeeze(imageData(base64)));
    const read = this.add(label, IMAGE_COST, { whole: { table: this.images, hash } });
    this.images.set(hash, read.id);
    this.evict();
  }

  /**
   * The name of a text or image read from this machine that `out` holds (any run of GUARANTEED non-space
   * characters of it), or undefined.
   */
  heldIn(out: Outgoing): string | undefined {
    for (const image of out.images ?? []) {
      const id = this.images.get(wholeHash(squeeze(imageData(image))));
      if (id !== 0) return this.labelOf(id);
    }
    for (const text of [out.prompt, out.system]) {
      if (!text) continue;
      const found = this.inText(squeeze(text));
      if (found !== undefined) return this.labelOf(found);
    }
    return undefined;
  }

  private inText(s: Uint16Array): number | undefined {
    const tables: Array<[number, FingerprintTable]> = [[K, this.grams], ...this.shorts];
    for (const [length, table] of tables) {
      if (table.size === 0) continue;
      for (const hash of rollingHashes(s, length)) {
        const found = table.get(hash);
        if (found !== 0) return found;
      }
    }
    return undefined;
  }

  private labelOf(id: number): string {
    return this.byId.get(id)?.label ?? 'a file';
  }

  private add(label: string, cost: number, parts: Pick<Read, 'hashes' | 'whole'>): Read {
    const read: Read = { id: this.nextId++, label, cost, ...parts };
    this.reads.push(read);
    this.byId.set(read.id, read);
    this.used += cost;
    return read;
  }

  /** Forgets the oldest reads while more than maxChars is remembered (the newest read is always kept). */
  private evict(): void {
    while (this.used > this.maxChars && this.reads.length > 1) {
      const old = this.reads.shift()!;
      this.byId.delete(old.id);
      this.used -= old.cost;
      if (old.hashes) for (const h of old.hashes) this.grams.delete(h, old.id);
      // (a short text's table stays when empty: there are at most K − MIN_SHORT of them)
      if (old.whole) old.whole.table.delete(old.whole.hash, old.id);
    }
  }
}
