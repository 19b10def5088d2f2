/**
 * What loading the settings changed of an Ollama address (issue 83, finding 1): a trailing `/v1` or
 * `/api` (config/host.ts), dropped so Ollama answers — and said, at start (a warning) and by doctor,
 * with the setting to correct, so the address in settings is made right and no one wonders why it
 * was not used as written.
 */
import { apiPathDropped } from './host.js';
import type { Settings } from './schema.js';
import { redactAddress } from '../util/redact-secrets.js';

export interface AddressNote {
  /** The setting as a user corrects it: "OLLM_HOST" (the variable that gave it), "ollama.host", "hosts.box.url". */
  setting: string;
  /** Where the value came from ("env OLLM_HOST", the settings file's path, "flag --host"). */
  source: string;
  /** The segment dropped: "/v1" or "/api". */
  path: string;
  /** The address used, without it. */
  used: string;
}

/** The note of each Ollama address (ollama.host, every `hosts` entry of kind ollama) whose path was dropped. */
export function addressNotes(
  merged: Record<string, unknown>,
  settings: Settings,
  sourceOf: (path: string[]) => string,
): AddressNote[] {
  const notes: AddressNote[] = [];
  const given = (merged['ollama'] as Record<string, unknown> | undefined)?.['host'];
  const path = typeof given === 'string' ? apiPathDropped(given) : undefined;
  if (path) {
    const source = sourceOf(['ollama', 'host']);
    const setting = source.startsWith('env ') ? source.slice(4) : 'ollama.host';
    notes.push({ setting, source, path, used: redactAddress(settings.ollama.host) });
  }
  const hosts = Array.isArray(merged['hosts']) ? (merged['hosts'] as unknown[]) : [];
  settings.hosts.forEach((h, i) => {
    const url = (hosts[i] as Record<string, unknown> | undefined)?.['url'];
    const dropped = h.kind === 'ollama' && typeof url === 'string' ? apiPathDropped(url) : undefined;
    if (dropped)
      notes.push({
        setting: `hosts.${h.name}.url`,
        source: sourceOf(['hosts']),
        path: dropped,
        used: redactAddress(h.url),
      });
  });
  return notes;
}

/** The note in words: what was dropped and why, and the fix. */
export function noteText(n: AddressNote): { detail: string; fix: string } {
  return {
    detail:
      `${n.setting} (from ${n.source}) ends in ${n.path}, which ollm-mcp drops: Ollama's API is at /api/… of ` +
      `its address itself, so ${n.used} is used`,
    fix: `drop the path: set ${n.setting} to ${n.used}`,
  };
}
