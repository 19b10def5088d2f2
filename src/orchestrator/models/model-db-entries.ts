/**
 * Known model families (seed 003, S07-T03): the prior. What the host reports about a model and
 * what its name says are added to it (model-db.ts), so a model missing here is still described.
 * Patterns match Ollama model names without the registry or namespace; `*` is any run of
 * characters. When several match, the most specific (most literal characters) wins. Context windows are the
 * trained ones Ollama reports as
 * `<arch>.context_length`; when Ollama can be asked, its answer replaces these.
 */
import type { Capability, ProfileName } from '../config/profiles.js';

export interface ModelEntry {
  pattern: string;
  family: string;
  contextWindow: number;
  maxOutputTokens?: number;
  capabilities: Capability[];
  profiles: ProfileName[];
}

const chat: Capability[] = ['completion'];
const chatTools: Capability[] = ['completion', 'tools'];
const thinking: Capability[] = ['completion', 'tools', 'thinking'];
const vision: Capability[] = ['completion', 'vision'];
const embedding: Capability[] = ['embedding'];

export const MODEL_DATABASE: readonly ModelEntry[] = [
  // Llama
  {
    pattern: 'llama3.3*',
    family: 'llama',
    contextWindow: 131072,
    capabilities: chatTools,
    profiles: ['general', 'reasoning', 'code'],
  },
  { pattern: 'llama3.2-vision*', family: 'llama', contextWindow: 131072, capabilities: vision, profiles: ['vision'] },
  {
    pattern: 'llama3.2*',
    family: 'llama',
    contextWindow: 131072,
    capabilities: chatTools,
    profiles: ['general', 'fast'],
  },
  {
    pattern: 'llama3.1*',
    family: 'llama',
    contextWindow: 131072,
    capabilities: chatTools,
    profiles: ['general', 'code', 'creative'],
  },
  { pattern: 'llama3*', family: 'llama', contextWindow: 8192, capabilities: chat, profiles: ['general', 'creative'] },
  { pattern: 'llama2*', family: 'llama', contextWindow: 4096, capabilities: chat, profiles: ['general', 'creative'] },
  {
    pattern: 'codellama*',
    family: 'llama',
    contextWindow: 16384,
    capabilities: ['completion', 'insert'],
    profiles: ['code'],
  },
  { pattern: 'tinyllama*', family: 'llama', contextWindow: 2048, capabilities: chat, profiles: ['fast'] },
  // Mistral
  {
    pattern: 'mistral*',
    family: 'mistral',
    contextWindow: 32768,
    capabilities: chatTools,
    profiles: ['general', 'fast', 'creative'],
  },
  {
    pattern: 'mistral-nemo*',
    family: 'mistral',
    contextWindow: 131072,
    capabilities: chatTools,
    profiles: ['general', 'creative'],
  },
  {
    pattern: 'mistral-small*',
    family: 'mistral',
    contextWindow: 32768,
    capabilities: chatTools,
    profiles: ['general', 'code'],
  },
  {
    pattern: 'mixtral*',
    family: 'mixtral',
    contextWindow: 32768,
    capabilities: chatTools,
    profiles: ['general', 'reasoning', 'code'],
  },
  {
    pattern: 'codestral*',
    family: 'mistral',
    contextWindow: 32768,
    capabilities: ['completion', 'insert'],
    profiles: ['code'],
  },
  // Qwen
  {
    pattern: 'qwen3*',
    family: 'qwen',
    contextWindow: 40960,
    capabilities: thinking,
    profiles: ['general', 'reasoning', 'code'],
  },
  { pattern: 'qwen3-coder*', family: 'qwen', contextWindow: 262144, capabilities: chatTools, profiles: ['code'] },
  {
    pattern: 'qwen3-vl*',
    family: 'qwen',
    contextWindow: 262144,
    capabilities: ['completion', 'tools', 'vision'],
    profiles: ['general', 'vision'],
  },
  {
    pattern: 'qwen2.5*',
    family: 'qwen',
    contextWindow: 32768,
    capabilities: chatTools,
    profiles: ['general', 'code', 'reasoning'],
  },
  {
    pattern: 'qwen2.5-coder*',
    family: 'qwen',
    contextWindow: 32768,
    capabilities: ['completion', 'tools', 'insert'],
    profiles: ['code'],
  },
  { pattern: 'qwen2.5vl*', family: 'qwen', contextWindow: 128000, capabilities: vision, profiles: ['vision'] },
  { pattern: 'qwen2*', family: 'qwen', contextWindow: 32768, capabilities: chatTools, profiles: ['general'] },
  { pattern: 'qwq*', family: 'qwen', contextWindow: 40960, capabilities: thinking, profiles: ['reasoning'] },
  // DeepSeek
  {
    pattern: 'deepseek-r1*',
    family: 'deepseek',
    contextWindow: 131072,
    capabilities: thinking,
    profiles: ['reasoning'],
  },
  {
    pattern: 'deepseek-coder-v2*',
    family: 'deepseek-coder',
    contextWindow: 163840,
    capabilities: ['completion', 'insert'],
    profiles: ['code'],
  },
  {
    pattern: 'deepseek-coder*',
    family: 'deepseek-coder',
    contextWindow: 16384,
    capabilities: ['completion', 'insert'],
    profiles: ['code'],
  },
  // Phi
  { pattern: 'phi4*', family: 'phi', contextWindow: 16384, capabilities: chat, profiles: ['reasoning', 'general'] },
  {
    pattern: 'phi4-mini*',
    family: 'phi',
    contextWindow: 131072,
    capabilities: chatTools,
    profiles: ['fast', 'general'],
  },
  { pattern: 'phi3*', family: 'phi', contextWindow: 131072, capabilities: chat, profiles: ['fast', 'general'] },
  {
    pattern: 'phi3:medium*',
    family: 'phi',
    contextWindow: 131072,
    capabilities: chat,
    profiles: ['general', 'reasoning'],
  },
  // Gemma
  {
    pattern: 'gemma3*',
    family: 'gemma',
    contextWindow: 131072,
    capabilities: vision,
    profiles: ['general', 'creative', 'vision'],
  },
  { pattern: 'gemma3:1b*', family: 'gemma', contextWindow: 32768, capabilities: chat, profiles: ['fast'] },
  { pattern: 'gemma3:270m*', family: 'gemma', contextWindow: 32768, capabilities: chat, profiles: ['fast'] },
  { pattern: 'gemma2*', family: 'gemma', contextWindow: 8192, capabilities: chat, profiles: ['general', 'creative'] },
  { pattern: 'gemma*', family: 'gemma', contextWindow: 8192, capabilities: chat, profiles: ['fast', 'general'] },
  {
    pattern: 'codegemma*',
    family: 'gemma',
    contextWindow: 8192,
    capabilities: ['completion', 'insert'],
    profiles: ['code'],
  },
  // Code specialists
  {
    pattern: 'starcoder2*',
    family: 'starcoder',
    contextWindow: 16384,
    capabilities: ['completion', 'insert'],
    profiles: ['code'],
  },
  {
    pattern: 'starcoder*',
    family: 'starcoder',
    contextWindow: 8192,
    capabilities: ['completion', 'insert'],
    profiles: ['code'],
  },
  {
    pattern: 'granite3*',
    family: 'granite',
    contextWindow: 131072,
    capabilities: chatTools,
    profiles: ['general', 'code'],
  },
  { pattern: 'granite-code*', family: 'granite', contextWindow: 8192, capabilities: chat, profiles: ['code'] },
  // Vision
  { pattern: 'llava*', family: 'llava', contextWindow: 32768, capabilities: vision, profiles: ['vision'] },
  { pattern: 'llava-llama3*', family: 'llava', contextWindow: 8192, capabilities: vision, profiles: ['vision'] },
  { pattern: 'llava-phi3*', family: 'llava', contextWindow: 4096, capabilities: vision, profiles: ['vision', 'fast'] },
  { pattern: 'bakllava*', family: 'llava', contextWindow: 32768, capabilities: vision, profiles: ['vision'] },
  {
    pattern: 'moondream*',
    family: 'moondream',
    contextWindow: 2048,
    capabilities: vision,
    profiles: ['vision', 'fast'],
  },
  { pattern: 'minicpm-v*', family: 'qwen', contextWindow: 32768, capabilities: vision, profiles: ['vision'] },
  // Large general models
  {
    pattern: 'gpt-oss*',
    family: 'gpt-oss',
    contextWindow: 131072,
    capabilities: thinking,
    profiles: ['reasoning', 'general', 'code'],
  },
  {
    pattern: 'command-r*',
    family: 'command-r',
    contextWindow: 131072,
    capabilities: chatTools,
    profiles: ['general', 'reasoning'],
  },
  { pattern: 'smollm2*', family: 'llama', contextWindow: 8192, capabilities: chatTools, profiles: ['fast'] },
  // Embeddings: never chosen for generation
  { pattern: 'nomic-embed-text*', family: 'nomic-bert', contextWindow: 2048, capabilities: embedding, profiles: [] },
  { pattern: 'mxbai-embed-large*', family: 'bert', contextWindow: 512, capabilities: embedding, profiles: [] },
  { pattern: 'all-minilm*', family: 'bert', contextWindow: 512, capabilities: embedding, profiles: [] },
  { pattern: 'bge-m3*', family: 'bert', contextWindow: 8192, capabilities: embedding, profiles: [] },
  { pattern: 'snowflake-arctic-embed*', family: 'bert', contextWindow: 512, capabilities: embedding, profiles: [] },
  { pattern: 'granite-embedding*', family: 'bert', contextWindow: 512, capabilities: embedding, profiles: [] },
  // (these two would otherwise match gemma* and qwen3*, chat models)
  { pattern: 'embeddinggemma*', family: 'gemma3', contextWindow: 2048, capabilities: embedding, profiles: [] },
  { pattern: 'qwen3-embedding*', family: 'qwen', contextWindow: 32768, capabilities: embedding, profiles: [] },
];

/** What an unknown model is assumed to be: a plain text model with a small, safe window. */
export const SAFE_DEFAULT: Omit<ModelEntry, 'pattern'> = {
  family: 'unknown',
  contextWindow: 4096,
  capabilities: ['completion'],
  profiles: ['general'],
};
