/** The vocabulary shared by settings, the model database and the router. */

export const PROFILE_NAMES = ['fast', 'general', 'code', 'creative', 'reasoning', 'vision'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export const TASK_TYPES = [
  'general',
  'code',
  'debugging',
  'reasoning',
  'creative',
  'fast',
  'vision',
  'summarize',
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Ollama's capabilities; `image` means the model generates images, `audio` that it hears audio. */
export const CAPABILITIES = [
  'completion',
  'tools',
  'vision',
  'embedding',
  'thinking',
  'insert',
  'image',
  'audio',
] as const;
export type Capability = (typeof CAPABILITIES)[number];
