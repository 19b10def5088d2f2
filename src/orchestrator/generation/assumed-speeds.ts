/**
 * The speeds of a model not yet measured on a host, pure: from what the host is (issue 73, Deliver 2).
 *   - Once other models were measured there, the host's own figures: the bytes of weights it
 *     writes with a second (a model's tokens/s × its size) and its prompt reading likewise, taken
 *     to a model of this size — what the host showed, not what a kind of host might do.
 *   - Else its kind: reading the prompt is compute-bound, ASSUMED_FLOPS (GPU 30 TFLOP/s, CPU 0.6
 *     TFLOP/s) over 2 FLOPs per parameter per token — an 8B model reads ~1,900 tokens/s on a GPU,
 *     ~40 on a CPU; writing is bound by memory bandwidth, ASSUMED_BANDWIDTH (GPU 200 GB/s, CPU
 *     40 GB/s) over the weights' bytes — a 4.7 GB model writes ~43 tokens/s on a GPU, ~9 on a CPU.
 * On a GPU host a model larger than its VRAM runs the part that does not fit at the CPU's speeds.
 * A host of unknown kind is taken for a CPU: the estimate errs long rather than short. A prompt too
 * short to time, read here, is a floor for the prompt speed until one long enough is timed.
 */
import { parameterCount } from '../models/model-db.js';

export type HostKind = 'cpu' | 'gpu' | 'unknown';

/**
 * What a model's speeds are assumed from: the host (its kind, VRAM, what its other models showed) and the
 * model's size.
 */
export interface HostSpeedFacts {
  hostKind: HostKind;
  sizeBytes?: number | undefined;
  parameterSize?: string | undefined;
  /** A GPU host's VRAM in all (a model larger than it runs its remainder on the CPU). */
  vramBytes?: number | undefined;
  /** Bytes of weights the host's other models wrote through a second (tokens/s × size), as measured there. */
  hostBandwidth?: number | undefined;
  /** Their prompt reading likewise: prompt tokens/s × size. */
  hostPromptScale?: number | undefined;
}

const ASSUMED_FLOPS: Readonly<Record<HostKind, number>> = { gpu: 30e12, cpu: 0.6e12, unknown: 0.6e12 };
const ASSUMED_BANDWIDTH: Readonly<Record<HostKind, number>> = { gpu: 200e9, cpu: 40e9, unknown: 40e9 };
/** Bytes a parameter takes (a 4-bit quantization with its overhead), and the size assumed of a model that says none. */
const BYTES_PER_PARAMETER = 0.6;
const DEFAULT_PARAMETERS = 8e9;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const positive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;
const parametersOf = (f: HostSpeedFacts) =>
  parameterCount(f.parameterSize) ?? (f.sizeBytes ? f.sizeBytes / BYTES_PER_PARAMETER : DEFAULT_PARAMETERS);
const bytesOf = (f: HostSpeedFacts) =>
  f.sizeBytes && f.sizeBytes > 0 ? f.sizeBytes : parametersOf(f) * BYTES_PER_PARAMETER;

/** The share of the model a GPU host holds in VRAM (1 elsewhere: all of it runs at that host's speeds). */
function gpuShare(f: HostSpeedFacts): number {
  if (f.hostKind !== 'gpu' || !positive(f.vramBytes)) return 1;
  return clamp(f.vramBytes / bytesOf(f), 0, 1);
}

/**
 * The speeds assumed of a model never measured on this host, and whether each is the host's own figure taken
 * to the model's size.
 */
export function assumedSpeeds(f: HostSpeedFacts): {
  promptTokensPerSecond: number;
  tokensPerSecond: number;
  fromHost: { prompt: boolean; answer: boolean };
} {
  const share = gpuShare(f);
  const bytes = bytesOf(f);
  const flops = 2 * parametersOf(f);
  // seconds per token: the share the host runs at its own (measured, else its kind's) speed, the rest at a CPU's
  const cpuPart = (cost: number, speed: number) => ((1 - share) * cost) / speed;
  const write = positive(f.hostBandwidth)
    ? (share * bytes) / f.hostBandwidth
    : (share * bytes) / ASSUMED_BANDWIDTH[f.hostKind];
  const read = positive(f.hostPromptScale)
    ? (share * bytes) / f.hostPromptScale
    : (share * flops) / ASSUMED_FLOPS[f.hostKind];
  return {
    promptTokensPerSecond: clamp(
      1 / (read + cpuPart(flops, ASSUMED_FLOPS.cpu)),
      2,
      positive(f.hostPromptScale) ? 100_000 : 20_000,
    ),
    tokensPerSecond: clamp(
      1 / (write + cpuPart(bytes, ASSUMED_BANDWIDTH.cpu)),
      1,
      positive(f.hostBandwidth) ? 10_000 : 200,
    ),
    fromHost: { prompt: positive(f.hostPromptScale), answer: positive(f.hostBandwidth) },
  };
}
