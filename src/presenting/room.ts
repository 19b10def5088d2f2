/**
 * The memory one more model may take on a host, in words, as list_models and show_status say it.
 */
import { formatBytes } from '../orchestrator/index.js';
import type { RamSummary } from '../orchestrator/index.js';

export type RoomFigures = Pick<
  RamSummary,
  'headroomBytes' | 'budgetBytes' | 'loadedBytes' | 'availableBytes' | 'bufferBytes'
> & { host: Pick<RamSummary['host'], 'kind'> };

/**
 * What one more model may take, in words. A figure under zero is never shown as bytes: -1 is
 * "unknown", and none free says why — the loaded models past the budget, or the RAM available
 * under what is kept free.
 */
export function roomText(ram: RoomFigures): string {
  const { headroomBytes: free, budgetBytes: budget, loadedBytes: loaded } = ram;
  if (ram.host.kind === 'unknown') return 'its memory is unknown (set ollama.capacity)';
  if (ram.host.kind === 'gpu')
    return free < 0
      ? 'the VRAM free for one more model is unknown'
      : free === 0
        ? 'no VRAM free for one more model'
        : `${formatBytes(free)} of VRAM free for one more model`;
  if (free < 0) return `the memory free for models now is unknown (budget ${formatBytes(budget)})`;
  if (free > 0) return `${formatBytes(free)} free for models now (budget ${formatBytes(budget)})`;
  if (loaded > budget)
    return (
      `none free for models now (${formatBytes(loaded - budget)} over budget: ` +
      `${formatBytes(loaded)} loaded, budget ${formatBytes(budget)})`
    );
  if (ram.availableBytes < ram.bufferBytes)
    return (
      `none free for models now (${formatBytes(ram.availableBytes)} of RAM available, under the ` +
      `${formatBytes(ram.bufferBytes)} kept free)`
    );
  return `none free for models now (budget ${formatBytes(budget)}, all of it in use)`;
}
