/**
 * The machine of issue 43's finding "a quick call waits behind another client's long job": a
 * 14B model that writes slowly and a small one that fits beside it in free memory, and a long log
 * that the 14B model's 8k window reads in parts. Shared by the fairness tests and `npm run bench -- fair`.
 */
import { DEFAULT_MODELS, type FakeModel } from '../fake-ollama/server.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const phi3 = DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!;

/** qwen2.5:14b with an 8k window, writing a token every `bigDelayMs`; phi3:mini at the server's speed. */
export function fairModels(bigDelayMs = 40): FakeModel[] {
  return [
    {
      name: 'qwen2.5:14b',
      size: 8_988_124_069,
      family: 'qwen2',
      parameterSize: '14.8B',
      quantization: 'Q4_K_M',
      architecture: 'qwen2',
      contextLength: 8192,
      capabilities: ['completion', 'tools'],
      blockCount: 48,
      embeddingLength: 5120,
      headCount: 40,
      headCountKv: 8,
      tokenDelayMs: bigDelayMs,
    },
    phi3,
  ];
}

/** Settings for a 32 GB machine told to the planner (as a remote one's would be): both models fit together. */
export const FAIR_YAML = 'ollama:\n  capacity:\n    ram: 32GB\nram:\n  budget: 28GB\n  bufferBytes: 0\n';

/** The question over a log the split tests ask of `model`, the log read by reference. */
export const logQuestion = (model: string) => ({
  prompt: 'Which errors occurred in this log?',
  intent: 'Which errors occurred in this log?',
  model,
  useMemory: false,
  inputsByReference: true,
});

/** A log of about `bytes` bytes, its lines numbered. */
export function longLog(bytes = 48_000): string {
  const lines: string[] = [];
  for (let n = 0, size = 0; size < bytes; n++) {
    const line =
      `2026-11-22T10:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}Z ` +
      `worker-${n % 7} LINE-${n} handled job ${n * 31} status=${n % 13 === 0 ? 'error' : 'ok'}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** A part's answer: long enough that the 14B model takes a while on each. */
export const PART_ANSWER = oneTokenWords(24, 'finding');

/** `text` as the inputs gathered for a call that named logs/app.log by path. */
export function gatheredLog(text: string): GatheredInputs {
  const tokens = estimateTokens(text);
  return {
    docs: [{ label: 'logs/app.log', text }],
    images: [],
    read: [{ path: 'logs/app.log', kind: 'text', bytes: text.length, tokens, encoding: 'utf-8' }],
    skipped: [],
    bytes: text.length,
    tokens,
  };
}
