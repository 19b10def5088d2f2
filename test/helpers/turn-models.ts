/**
 * The models of a load's turn (room-waits.ts), as the tests and bench/relay-turn.ts stage it: on a 20 GB CPU host
 * (the planner's figures at 4,096 tokens: phi3:mini 4.2 GB, mistral:7b 5.5 GB, llama3.1:8b 6.4 GB, qwen2.5:14b
 * 11.6 GB) the three LOOPED fit, and BIG needs two of them gone.
 */
import { DEFAULT_MODELS, NAMESPACED_MODELS, type FakeModel } from '../fake-ollama/server.js';

const { digest: _digest, ...llama } = NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!;

/** qwen2.5:14b, made from llama3.1:8b's record with its own figures. */
export const QWEN_14B: FakeModel = {
  ...llama,
  name: 'qwen2.5:14b',
  size: 8_988_124_069,
  family: 'qwen2',
  architecture: 'qwen2',
  parameterSize: '14.8B',
  parameterCount: 14_770_033_664,
  blockCount: 48,
  embeddingLength: 5120,
  headCount: 40,
};

export const TURN_MODELS: FakeModel[] = [
  DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!,
  { ...llama, name: 'mistral:7b', size: 4_113_301_824, parameterSize: '7.2B', parameterCount: 7_248_023_552 },
  llama,
  QWEN_14B,
];
export const LOOPED = ['phi3:mini', 'mistral:7b', 'llama3.1:8b'];
export const BIG = 'qwen2.5:14b';
