/**
 * A set of fingerprints (53-bit hashes) with the read each came from, in typed arrays: about 12
 * bytes a slot where a Map of numbers takes over 50 an entry. Open addressing with linear probing;
 * a removal shifts the entries after it back, so no slot is ever a tombstone.
 */
const MAX_LOAD = 0.7;

export class FingerprintTable {
  private keys: Float64Array;
  /** The read each key came from; 0: an empty slot. */
  private owners: Int32Array;
  private mask: number;
  private count = 0;

  constructor(slots = 1024) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, slots)));
    this.keys = new Float64Array(size);
    this.owners = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  private slotOf(key: number): number {
    let i = (key >>> 0) & this.mask;
    while (this.owners[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** The read `key` came from (the newest that holds it), or 0. */
  get(key: number): number {
    return this.owners[this.slotOf(key)]!;
  }

  set(key: number, owner: number): void {
    if (this.count + 1 > this.keys.length * MAX_LOAD) this.grow();
    const i = this.slotOf(key);
    if (this.owners[i] === 0) this.count++;
    this.keys[i] = key;
    this.owners[i] = owner;
  }

  /** Removes `key` if it is `owner`'s. */
  delete(key: number, owner: number): void {
    let i = this.slotOf(key);
    if (this.owners[i] !== owner) return;
    this.count--;
    // shift back every entry of the run after it that would no longer be found
    for (let j = (i + 1) & this.mask; this.owners[j] !== 0; j = (j + 1) & this.mask) {
      const home = (this.keys[j]! >>> 0) & this.mask;
      if (((j - home) & this.mask) >= ((j - i) & this.mask)) {
        this.keys[i] = this.keys[j]!;
        this.owners[i] = this.owners[j]!;
        i = j;
      }
    }
    this.owners[i] = 0;
  }

  private grow(): void {
    const { keys, owners } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.owners = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (owners[i] === 0) continue;
      const j = this.slotOf(keys[i]!);
      this.keys[j] = keys[i]!;
      this.owners[j] = owners[i]!;
    }
  }
}
