/**
 * Fixtures a test adds when it needs them (none is installed by default):
 * - CLOUD_MODELS: cloud stubs as `ollama pull gpt-oss:120b-cloud` leaves them, a few hundred
 *   bytes with remote_host/remote_model; answered by ollama.com, never loaded here.
 * - NAMESPACED_MODELS: `llama3.1:8b` and a different model under a user namespace with the
 *   same model name and tag, `someuser/llama3.1:8b`.
 * - CAPABILITY_MODELS: an image-generation model (`image`, no `completion`) and a model that
 *   hears audio (`audio`).
 */
import type { FakeModel } from './models.js';

const OLLAMA_COM = 'https://ollama.com:443';

export const CLOUD_MODELS: FakeModel[] = [
  {
    name: 'gpt-oss:120b-cloud',
    size: 384,
    family: 'gptoss',
    parameterSize: '116.8B',
    quantization: 'MXFP4',
    architecture: 'gptoss',
    contextLength: 131072,
    capabilities: ['completion', 'tools', 'thinking'],
    remoteHost: OLLAMA_COM,
    remoteModel: 'gpt-oss:120b',
    digest: '569662207105a3b5aa3b0a2a8d8f2b9c5c2e0e8f3d7d61f1e0b4f0a8c3f0d6e1',
  },
  {
    name: 'qwen3-coder:480b-cloud',
    size: 382,
    family: 'qwen3moe',
    parameterSize: '480B',
    quantization: 'FP8',
    architecture: 'qwen3moe',
    contextLength: 262144,
    capabilities: ['completion', 'tools'],
    remoteHost: OLLAMA_COM,
    remoteModel: 'qwen3-coder:480b',
    digest: '11483b8f8765c3b1d0ee4a6f2bbd2f3c4a7e1c9d0b5a6f7e8d9c0b1a2f3e4d5c',
  },
  {
    name: 'glm-4.6:cloud',
    size: 340,
    family: 'glm4moe',
    parameterSize: '355B',
    quantization: 'FP8',
    architecture: 'glm4moe',
    contextLength: 202752,
    capabilities: ['completion', 'tools', 'thinking'],
    remoteHost: OLLAMA_COM,
    remoteModel: 'glm-4.6',
    digest: '05277b76269f5fb8b5a9a7e3b6c4d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5',
  },
];

export const NAMESPACED_MODELS: FakeModel[] = [
  {
    name: 'llama3.1:8b',
    size: 4920753328,
    family: 'llama',
    parameterSize: '8.0B',
    quantization: 'Q4_K_M',
    architecture: 'llama',
    contextLength: 131072,
    parameterCount: 8030261248,
    capabilities: ['completion', 'tools'],
    license: 'LLAMA 3.1 COMMUNITY LICENSE AGREEMENT',
    digest: '46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e',
    blockCount: 32,
    embeddingLength: 4096,
    headCount: 32,
    headCountKv: 8,
  },
  {
    name: 'someuser/llama3.1:8b',
    size: 8540775840,
    family: 'llama',
    parameterSize: '8.0B',
    quantization: 'Q8_0',
    architecture: 'llama',
    contextLength: 131072,
    parameterCount: 8030261248,
    capabilities: ['completion'],
    digest: 'b4ad14c1e9d34f16bd4ec8a6c1c1f0f8a6d7e2b3c4d5e6f708192a3b4c5d6e7f',
    blockCount: 32,
    embeddingLength: 4096,
    headCount: 32,
    headCountKv: 8,
  },
];

export const CAPABILITY_MODELS: FakeModel[] = [
  {
    // size rounded
    name: 'x/z-image-turbo:latest',
    size: 12_900_000_000,
    family: 'z-image',
    parameterSize: '6B',
    quantization: 'BF16',
    architecture: 'z-image',
    contextLength: 512,
    capabilities: ['image'],
    digest: '7d1c6f1e8a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d',
  },
  {
    name: 'gemma3n:e4b',
    size: 7547589116,
    family: 'gemma3n',
    parameterSize: '6.9B',
    quantization: 'Q4_K_M',
    architecture: 'gemma3n',
    contextLength: 32768,
    capabilities: ['completion', 'vision', 'audio'],
    license: 'Gemma Terms of Use',
    digest: '15cb39fd9394fd2549f6df9081cfc84dd134ecf2c9c5be911e5629920489ac32',
    blockCount: 35,
    embeddingLength: 2048,
    headCount: 8,
    headCountKv: 2,
  },
];
