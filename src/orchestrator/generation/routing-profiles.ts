/**
 * The routing profiles (seed 003's, plus reasoning and vision): which kind of work each task is,
 * and what each profile asks of a model — its families, context window, capabilities — and where
 * its work goes when none of its models can take it.
 */
import type { ProfileName, TaskType } from '../config/profiles.js';

export const TASK_PROFILE: Record<TaskType, ProfileName> = {
  general: 'general',
  code: 'code',
  debugging: 'code',
  reasoning: 'reasoning',
  creative: 'creative',
  fast: 'fast',
  vision: 'vision',
  summarize: 'general',
};

export interface RoutingProfile {
  name: ProfileName;
  description: string;
  /** Families (or model lines) that serve this work best; a tie-break among equals. */
  preferredFamilies: string[];
  minContextWindow: number;
  requiredCapabilities: string[];
  /** Where the work goes when none of this profile's models can take it (seed 003). */
  fallbackProfile?: ProfileName;
}

export const ROUTING_PROFILES: Record<ProfileName, RoutingProfile> = {
  fast: {
    name: 'fast',
    description: 'Quick answers from small models',
    preferredFamilies: ['phi', 'gemma', 'llama3.2', 'mistral'],
    minContextWindow: 2048,
    requiredCapabilities: ['completion'],
    fallbackProfile: 'general',
  },
  general: {
    name: 'general',
    description: 'Balanced models for most work',
    preferredFamilies: ['llama', 'mistral', 'qwen'],
    minContextWindow: 4096,
    requiredCapabilities: ['completion'],
  },
  // Code work never goes to a non-code model the user did not choose for it, so code has no fallback profile.
  code: {
    name: 'code',
    description: 'Code generation and debugging',
    preferredFamilies: ['qwen2.5-coder', 'qwen3-coder', 'deepseek-coder', 'codellama', 'starcoder', 'codestral'],
    minContextWindow: 8192,
    requiredCapabilities: ['completion'],
  },
  creative: {
    name: 'creative',
    description: 'Stories, poems and other writing',
    preferredFamilies: ['llama', 'mistral', 'gemma'],
    minContextWindow: 4096,
    requiredCapabilities: ['completion'],
    fallbackProfile: 'general',
  },
  reasoning: {
    name: 'reasoning',
    description: 'Step-by-step reasoning, maths and proofs',
    preferredFamilies: ['qwen3', 'deepseek-r1', 'qwq', 'phi4'],
    minContextWindow: 8192,
    requiredCapabilities: ['completion'],
    fallbackProfile: 'general',
  },
  // Images need a vision model: no fallback.
  vision: {
    name: 'vision',
    description: 'Questions about images',
    preferredFamilies: ['llava', 'llama3.2-vision', 'qwen2.5vl', 'gemma3', 'minicpm-v'],
    minContextWindow: 2048,
    requiredCapabilities: ['completion', 'vision'],
  },
};
