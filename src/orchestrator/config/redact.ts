/** The effective settings with secrets hidden, for `ollm://config` and `doctor`. */

const SECRET_KEY = /(token|secret|password|apikey|api_key|authorization)/i;
/** `apiKeyEnv: OPENAI_API_KEY` names where a secret lives; the name itself is worth showing. */
const NAMES_A_SECRET = /Env$/;

function redactValue(key: string, value: unknown): unknown {
  if (typeof value === 'string' && SECRET_KEY.test(key) && !NAMES_A_SECRET.test(key))
    return value ? '[redacted]' : value;
  if (typeof value === 'string' && /^https?:\/\/[^/\s]*@/.test(value)) {
    return value.replace(/\/\/[^/\s@]*@/, '//[redacted]@'); // credentials inside a URL
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(key, v));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(k, v)]));
  }
  return value;
}

export function redactSettings<T>(settings: T): T {
  return redactValue('', settings) as T;
}
