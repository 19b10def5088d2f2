export { settingsSchema, type Settings, type SettingsInput } from './schema.js';
export { loadConfig, numberOrText, settingsHome, ConfigError, ENV_VARS, type LoadedConfig, type LoadOptions, type FlagSetting } from './load.js';
export { normalizeOllamaHost, displayHost, DEFAULT_OLLAMA_URL } from './host.js';
export { parseBytes, formatBytes, parseBudget, resolveBudget, parseDurationMs, keepAliveProblem, KEEP_ALIVE_MAX_SECONDS, type Budget } from './units.js';
export { redactSettings } from './redact.js';
