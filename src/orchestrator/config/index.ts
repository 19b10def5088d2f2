export { settingsSchema, type Settings } from './schema.js';
export { loadConfig, ConfigError, type LoadedConfig } from './load.js';
export { ENV_VARS, type FlagSetting } from './layers.js';
export { formatBytes, keepAliveProblem } from './units.js';
export { redactSettings } from './redact.js';
