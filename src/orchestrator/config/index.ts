export { settingsSchema, type Settings } from './schema.js';
export { loadConfig, ConfigError, ENV_VARS, type LoadedConfig, type FlagSetting } from './load.js';
export { formatBytes, keepAliveProblem } from './units.js';
export { redactSettings } from './redact.js';
