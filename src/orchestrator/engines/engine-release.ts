/**
 * Which release an engine runs, read from its own answer — Ollama's `GET /api/version`, llama-server's
 * `GET /props` `build_info` (carried in its report) — and what that release has of the known holes
 * (known-holes.ts), for doctor and show_status. An engine whose version says nothing of its code (an
 * OpenAI-compatible one, another ollm-mcp) has no verdict.
 */
import type { CallOptions, Engine } from './engine.js';
import { versionVerdict, type VersionVerdict } from './known-holes.js';

/** The longest version an engine's answer may give; longer, or with other than visible ASCII, it says none. */
const MAX_VERSION_CHARS = 64;

/** An engine's version as it entered from its answer: a short visible-ASCII string, else undefined. */
export function boundedVersion(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_VERSION_CHARS && /^[\x21-\x7e]+$/.test(v)
    ? v
    : undefined;
}

/**
 * The engine's name with its version, its known holes and the release that fixes them; undefined for a kind
 * whose version is not read. Throws as the engine's call does (a host down).
 */
export async function releaseVerdict(
  engine: Pick<Engine, 'kind' | 'version' | 'report'>,
  options: CallOptions = {},
): Promise<VersionVerdict | undefined> {
  if (engine.kind === 'ollama') return versionVerdict('ollama', await engine.version(options));
  if (engine.kind === 'llamacpp') return versionVerdict('llamacpp', (await engine.report?.(options))?.version);
  return undefined;
}
