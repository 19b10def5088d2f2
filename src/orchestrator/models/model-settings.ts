/**
 * A model's own settings: the parameters and system prompt its maker gave it (an Ollama Modelfile's
 * PARAMETER and SYSTEM lines, a llama-server preset's sampling flags). They outrank ollm-mcp's
 * defaults: a generation option is sent only when the caller or the user's settings ask for it,
 * and the window is the model's own num_ctx when the work fits in it (loading/load-context.ts).
 *
 * Read from /api/show's `parameters` text — one `name value` per line, Go's `%-30s %#v`: strings
 * quoted, a list (stop) one line per element — bounded where it enters.
 */
import type { ModelSettings, ParameterValue } from '../loading/model-facts.js';

export { ownNumber, type ModelSettings, type ParameterValue } from '../loading/model-facts.js';

const MAX_TEXT = 64 * 1024;
const MAX_PARAMETERS = 64;
const MAX_LIST = 32;
const MAX_VALUE = 512;
const NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** A quoted Go string (%#v): JSON reads it, but for Go's \x escapes; else the text between the quotes. */
function unquote(raw: string): string {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'string') return v;
  } catch {
    // a Go escape JSON does not know: keep the text as written
  }
  return raw.slice(1, -1);
}

function valueOf(raw: string): number | boolean | string | undefined {
  if (raw.length > MAX_VALUE) return undefined;
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return unquote(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const n = Number(raw);
  return raw !== '' && Number.isFinite(n) ? n : raw;
}

/** The parameters of an /api/show `parameters` text; lines that are not `name value` are left out. */
export function parseParameters(text: string | undefined): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = Object.create(null) as Record<string, ParameterValue>;
  if (!text) return out;
  let count = 0;
  for (const line of text.slice(0, MAX_TEXT).split(/\r?\n/)) {
    const trimmed = line.trim();
    const gap = trimmed.search(/\s/);
    if (gap <= 0) continue;
    const name = trimmed.slice(0, gap);
    const value = valueOf(trimmed.slice(gap).trim());
    if (!NAME.test(name) || value === undefined) continue;
    const had = out[name];
    if (name === 'stop') {
      const list = Array.isArray(had) ? had : [];
      if (list.length < MAX_LIST) out[name] = [...list, String(value)];
    } else if (had === undefined && count < MAX_PARAMETERS) {
      out[name] = value;
      count++;
    }
  }
  return out;
}

/** What a model carries of its own, or undefined when it carries nothing. */
export function modelSettings(show: { parameters?: string; system?: string }): ModelSettings | undefined {
  const parameters = parseParameters(show.parameters);
  const system =
    typeof show.system === 'string' && show.system.trim() !== '' ? show.system.slice(0, MAX_TEXT) : undefined;
  if (Object.keys(parameters).length === 0 && system === undefined) return undefined;
  return { parameters, ...(system !== undefined && { system }) };
}

/**
 * A few words on what a model carries, for list_models and show_model: "temperature 0.2, num_ctx
 * 16384, system prompt". Stop words are left out: nearly every model has them, with its template.
 */
export function describeSettings(own: ModelSettings | undefined): string | undefined {
  if (!own) return undefined;
  const items = Object.entries(own.parameters)
    .filter(([k]) => k !== 'stop')
    .map(([k, v]) => `${k} ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  if (own.system !== undefined) items.push('system prompt');
  return items.length > 0 ? items.join(', ') : undefined;
}
