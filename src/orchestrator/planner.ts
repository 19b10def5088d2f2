/**
 * Pure memory arithmetic for loading decisions: no I/O, plain numbers in and out.
 * Required bytes = size × (1 + safetyMargin) + KV cache when known (seed 004's 20% margin).
 */
import type { Budget } from './ram.js';

export interface FitInput {
  modelBytes: number;
  /** KV cache for the context the model will run with, when known. */
  kvBytes?: number;
  isLoaded: boolean;
  /** Bytes held by models Ollama has loaded now. */
  loadedBytes: number;
  totalBytes: number;
  availableBytes: number;
  policy: Budget;
}

export interface FitAssessment {
  requiredBytes: number;
  /** Could be loaded on this machine at all, within the budget (after unloading others if need be). */
  fits: boolean;
  /** Loadable right now without unloading anything (or already loaded). */
  fitsNow: boolean;
}

export function requiredBytes(modelBytes: number, safetyMargin: number, kvBytes = 0): number {
  return Math.ceil(modelBytes * (1 + safetyMargin)) + kvBytes;
}

export function assessFit(input: FitInput): FitAssessment {
  const { policy } = input;
  const required = requiredBytes(input.modelBytes, policy.safetyMargin, input.kvBytes);
  const fits = required <= policy.budgetBytes && required <= input.totalBytes - policy.bufferBytes;
  const fitsNow =
    input.isLoaded ||
    (fits &&
      required <= policy.budgetBytes - input.loadedBytes &&
      required <= input.availableBytes - policy.bufferBytes);
  return { requiredBytes: required, fits, fitsNow };
}
