/**
 * The secret values this server holds: the keys and tokens the settings name (every host's
 * `tokenEnv`, the fallback's `apiKeyEnv`, every HTTP agent token's `http.tokens.NAME.tokenEnv`) and those
 * read from fixed variables (OLLM_API_KEY,
 * OLLAMA_API_KEY, OLLM_HTTP_TOKEN), as they are in the environment. Settings never hold a key
 * itself, so the settings and the environment say them all. What leaves the server — tool
 * results, resources, log lines, `doctor` — is cleared of them (util/redact-secrets.ts).
 */
import type { Settings } from './schema.js';

/** Variables read for a key whatever the settings say. */
export const SECRET_VARIABLES = ['OLLM_API_KEY', 'OLLAMA_API_KEY', 'OLLM_HTTP_TOKEN'] as const;

/** The names of every variable that holds a secret under these settings. */
export function secretVariables(settings: Pick<Settings, 'hosts' | 'fallback' | 'http'>): string[] {
  const named = [
    ...settings.hosts.map((h) => ('tokenEnv' in h ? h.tokenEnv : undefined)),
    settings.fallback?.apiKeyEnv,
    ...Object.values(settings.http.tokens).map((t) => t.tokenEnv),
  ];
  return [...new Set([...SECRET_VARIABLES, ...named.filter((n): n is string => n !== undefined)])];
}

/** The values of those variables that are set (and any `extra`, e.g. a --token), trimmed. */
export function configuredSecrets(
  settings: Pick<Settings, 'hosts' | 'fallback' | 'http'>,
  env: NodeJS.ProcessEnv = process.env,
  extra: ReadonlyArray<string | undefined> = [],
): string[] {
  const values = [...secretVariables(settings).map((name) => env[name]), ...extra].map((v) => v?.trim() ?? '');
  return [...new Set(values.filter((v) => v !== ''))];
}
