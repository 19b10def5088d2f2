/**
 * The offline optimum on the trace benchmark's hosts (issue 73, finding 5): each loaded model's
 * size as /api/ps reported it, and the host's admission as the fake enforces it, for
 * offlineOptimum (offline-optimum.ts). Shared by the trace and learning-replay benchmarks.
 */
import type { FakeOllama } from '../test/fake-ollama/server.js';
import { offlineOptimum, type OptimumHost } from './offline-optimum.js';
import type { Mode } from './trace.js';

/** The trace benchmark's goal: load time at most this many times the offline optimum for the models served. */
export const OPTIMUM_GOAL = 1.1;

/** Notes each loaded model's runner size as /api/ps reports it (the largest seen). */
export async function noteSizes(fake: FakeOllama, sizes: Map<string, number>): Promise<void> {
  const ps = (await (await fetch(`${fake.url}/api/ps`)).json()) as { models: Array<{ name: string; size: number }> };
  for (const m of ps.models) sizes.set(m.name, Math.max(sizes.get(m.name) ?? 0, m.size));
}

/** The host's admission as the fake enforces it: at most 3 models; on the CPU host their sizes within its RAM, on the GPU host a new model within 80% of the VRAM the others leave free. */
export function hostFor(mode: Mode, sizes: ReadonlyMap<string, number>, loadMsPerGB: number): OptimumHost {
  const size = (m: string) => sizes.get(m) ?? 0;
  const loadMs = new Map([...sizes].map(([m, b]) => [m, (loadMsPerGB * b) / 1e9]));
  const maxLoaded = mode.fake.maxLoadedModels ?? 3;
  const vram = (mode.fake.gpus ?? []).reduce((s, g) => s + g.vramBytes, 0);
  return {
    loadMs,
    admits: (kept, adding) => {
      if (kept.length + 1 > maxLoaded) return false;
      const others = kept.reduce((s, m) => s + size(m), 0);
      if (vram === 0) return others + size(adding) <= (mode.fake.memoryBytes ?? Infinity);
      return kept.length === 0 || others + size(adding) / 0.8 <= vram;
    },
  };
}

/** A run's load time against the optimum for the models it served: the ratio (1 when both are 0). */
export function toOptimum(
  loadMs: number,
  served: readonly string[],
  host: OptimumHost,
): { optimum: number; ratio: number } {
  const optimum = offlineOptimum(served, host);
  const ratio = optimum > 0 ? loadMs / optimum : loadMs === 0 ? 1 : Infinity;
  return { optimum, ratio };
}
