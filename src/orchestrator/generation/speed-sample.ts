/**
 * What one answer teaches (speed-learning.ts learns it): its counts and the engine's own timings as a sample, and
 * those timings as a result's metrics show them.
 */
import type { SpeedSample } from './speed-learning.js';

/** A generation's counts and the engine's own timings (stream.ts StreamResult). */
interface Generated {
  promptTokens: number;
  outputTokens: number;
  doneReason: string;
  promptMs?: number;
  cachedPromptTokens?: number;
  generatingMs?: number;
}

/**
 * One answer's figures to learn from; `beyondMs`: the request's time past loading and queueing, when known;
 * `task`: the work asked.
 */
export function speedSample(out: Generated, beyondMs?: number, task?: string, sizeBytes?: number): SpeedSample {
  const timed = out.promptMs !== undefined && out.generatingMs !== undefined && beyondMs !== undefined;
  return {
    promptTokens: out.promptTokens,
    cachedPromptTokens: out.cachedPromptTokens,
    promptMs: out.promptMs,
    outputTokens: out.outputTokens,
    generationMs: out.generatingMs,
    cut: out.doneReason === 'length',
    ...(timed && { overheadMs: Math.max(0, beyondMs - out.promptMs! - out.generatingMs!) }),
    ...(task !== undefined && { task }),
    ...(sizeBytes !== undefined && { sizeBytes }),
  };
}

/** The engine's own timings as a result's metrics show them, those it gave. */
export function engineTimes(out: Omit<Generated, 'doneReason' | 'promptTokens' | 'outputTokens'>): {
  promptMs?: number;
  cachedPromptTokens?: number;
  generationMs?: number;
} {
  return {
    ...(out.promptMs !== undefined && { promptMs: out.promptMs }),
    ...(out.cachedPromptTokens !== undefined && { cachedPromptTokens: out.cachedPromptTokens }),
    ...(out.generatingMs !== undefined && { generationMs: out.generatingMs }),
  };
}
