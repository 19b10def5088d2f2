/**
 * How long a model takes to load here, and how long a load may take before it is stopped. Pure
 * functions: the measured speed comes from the metrics (bytes loaded over time spent loading, all
 * models together), the limit from settings.
 */
import type { LoadSpeed } from '../progress/phases.js';

export type { LoadSpeed } from '../progress/phases.js';

/** Assumed before anything was measured: a modest SSD read into memory. */
export const ASSUMED_LOAD_BYTES_PER_SECOND = 200e6;
/**
 * Loads that took less than this in all say nothing about the disk (the model was cached, or
 * already loaded by another client); the assumption holds until more has been measured.
 */
const MIN_MEASURED_LOAD_MS = 500;

/** The host's load speed from what was loaded (bytes) and how long it took (ms), all loads together. */
export function loadSpeed(loadedBytes: number, loadingMs: number): LoadSpeed {
  if (!(loadingMs >= MIN_MEASURED_LOAD_MS) || !(loadedBytes > 0))
    return { bytesPerSecond: ASSUMED_LOAD_BYTES_PER_SECOND, measured: false };
  return { bytesPerSecond: loadedBytes / (loadingMs / 1000), measured: true };
}

/** Estimated time to load a model of `sizeBytes`, in ms. */
export function estimateLoadMs(sizeBytes: number, speed: LoadSpeed): number {
  return Math.round((Math.max(0, sizeBytes) / speed.bytesPerSecond) * 1000);
}

export interface LoadLimits {
  loadTimeoutMs: number;
  loadTimeoutMsPerGB: number;
}

/** The most a load of `sizeBytes` may take: a base plus time per GB. */
export function loadTimeoutMs(sizeBytes: number, limits: LoadLimits): number {
  return Math.round(limits.loadTimeoutMs + (limits.loadTimeoutMsPerGB * Math.max(0, sizeBytes)) / 1e9);
}

/** Estimated load times of the models that are not loaded (and not cloud models), by name: routing's data. */
export function coldLoadEstimates(
  models: ReadonlyArray<{ name: string; sizeBytes: number; loaded: boolean; cloud?: boolean }>,
  speed: LoadSpeed,
): Map<string, number> {
  return new Map(models.filter((m) => !m.loaded && !m.cloud).map((m) => [m.name, estimateLoadMs(m.sizeBytes, speed)]));
}
