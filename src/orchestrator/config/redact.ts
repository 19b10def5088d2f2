/**
 * Settings with secrets hidden, for `ollm://config`, `doctor` and a refused setting's message: a value
 * under a secret's key, and the user name and password of any address (util/redact-secrets.ts).
 */
import { redactAddress } from '../util/redact-secrets.js';

const SECRET_KEY = /(token|secret|password|apikey|api_key|authorization)/i;
/** `apiKeyEnv: OPENAI_API_KEY` names where a secret lives; the name itself is worth showing. */
const NAMES_A_SECRET = /Env$/;
/** The keys that hold an address, in any form OLLAMA_HOST takes (no scheme: `bob:pw@box:11434`). */
const ADDRESS_KEY = /^(host|url|baseURL)$/;

/**
 * `value`, found under `key`, with its secrets hidden; `addresses`: any string in it may be an address (a
 * refused value of a section that holds them, `ollama: bob:pw@box`).
 */
export function redactSetting(key: string, value: unknown, addresses = false): unknown {
  if (typeof value === 'string' && SECRET_KEY.test(key) && !NAMES_A_SECRET.test(key))
    return value ? '[redacted]' : value;
  if (typeof value === 'string' && (addresses || ADDRESS_KEY.test(key) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)))
    return redactAddress(value); // credentials inside a URL
  if (Array.isArray(value)) return value.map((v) => redactSetting(key, v, addresses));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSetting(k, v, addresses)]));
  }
  return value;
}

export function redactSettings<T>(settings: T): T {
  return redactSetting('', settings) as T;
}
