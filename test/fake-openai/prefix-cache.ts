/**
 * vLLM's automatic prefix caching, as the fake keeps it (vllm/v1/core/kv_cache_utils.py,
 * kv_cache_manager.py, block_pool.py): the prompt's tokens are cut into blocks of BLOCK_SIZE (16 by
 * default); each full block is keyed by the hash of its tokens and of the block before it — so a
 * key stands for the whole prefix up to the end of its block (hash_block_tokens, parent hash first);
 * a partial last block is never cached. A new prompt finds the longest run of its leading blocks
 * already held, looking at most at its first `prompt tokens − 1` tokens (get_computed_blocks:
 * `max_cache_hit_length = request.num_tokens - 1`, the last token always computed again for its
 * logits), so what it reports is a multiple of the block size, below the prompt's length. The
 * blocks are shared by every request to the engine (one pool, not a slot per client), and when the
 * pool is full the least recently used block goes first; of one request's blocks, the tail of the
 * chain goes before its head (FreeKVCacheBlockQueue: freed blocks are appended in reverse order).
 *
 * A request's `cache_salt` is hashed into its first block (vLLM's extra keys of block 0), so requests
 * share blocks only under the same salt, or with none.
 *
 * Here a token is a word of a message's text (as the fake counts prompt tokens, chat.ts) or an
 * image, and it carries its message's place and role — a chat template's headers between messages
 * make a word moved into another message a different token. Bounded: at most `blocks` blocks held.
 */
import { createHash } from 'node:crypto';

/** vLLM's default --block-size on GPUs. */
export const BLOCK_SIZE = 16;
/** Blocks held by default (a small GPU's worth: 8,192 blocks of 16 tokens). */
export const CACHE_BLOCKS = 8192;

export class PrefixCache {
  /** Block hash → nothing; the order of the keys is the order of eviction (first = least recently used). */
  private readonly held = new Map<string, true>();

  constructor(
    readonly blockSize = BLOCK_SIZE,
    readonly blocks = CACHE_BLOCKS,
  ) {
    if (!Number.isInteger(blockSize) || blockSize < 1)
      throw new Error(`blockSize must be a positive integer, not ${blockSize}`);
    if (!Number.isInteger(blocks) || blocks < 0)
      throw new Error(`blocks must be a non-negative integer, not ${blocks}`);
  }

  /** Blocks held now. */
  get size(): number {
    return this.held.size;
  }

  /**
   * The prompt `tokens` read by the engine: how many of its leading tokens were held already (a
   * multiple of the block size, at most all but one token). Its full blocks are held afterwards, as
   * the most recently used.
   */
  read(tokens: readonly string[], salt?: string): number {
    const keys = this.keysOf(tokens, salt);
    const lookable = Math.floor(Math.max(0, tokens.length - 1) / this.blockSize);
    let hits = 0;
    while (hits < lookable && this.held.has(keys[hits]!)) hits++;
    // every full block of the prompt is the most recently used now, its head last to go
    for (let i = keys.length - 1; i >= 0; i--) {
      this.held.delete(keys[i]!);
      this.held.set(keys[i]!, true);
    }
    for (const key of this.held.keys()) {
      if (this.held.size <= this.blocks) break;
      this.held.delete(key);
    }
    return hits * this.blockSize;
  }

  /** Forget every block (vLLM's /reset_prefix_cache). */
  reset(): void {
    this.held.clear();
  }

  /** The chained hash of each full block: its parent's hash and its own tokens. */
  private keysOf(tokens: readonly string[], salt?: string): string[] {
    const keys: string[] = [];
    let parent = '';
    for (let end = this.blockSize; end <= tokens.length; end += this.blockSize) {
      const block = createHash('sha256')
        .update(parent)
        .update(JSON.stringify(tokens.slice(end - this.blockSize, end)));
      if (end === this.blockSize && salt !== undefined) block.update(JSON.stringify(['salt', salt]));
      parent = block.digest('base64');
      keys.push(parent);
    }
    return keys;
  }
}
