/** One copy of a split job's model as the copies' choice weighs it (fleet/parts-copies.ts): loaded, two slots free. */
import type { CopyState } from '../../src/orchestrator/fleet/parts-copies.js';

export const copyState = (host: string, over: Partial<CopyState> = {}): CopyState => ({
  host,
  loaded: true,
  slots: 2,
  taken: 0,
  room: true,
  loadMs: 0,
  window: 4096,
  ...over,
});
