/**
 * Logging to stderr. stdout belongs to the MCP protocol on stdio: nothing else may write there.
 * OLLM_LOG_LEVEL = debug | info | warn | error | silent (default info).
 * Every line is cleared of credentials (util/redact-secrets.ts) and of the secret values the
 * command was started with (`log.hide`, called once the settings are read).
 */
import { redactSecrets } from './redact-secrets.js';

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
type Level = (typeof LEVELS)[number];

function threshold(): number {
  const wanted = (process.env.OLLM_LOG_LEVEL ?? 'info').toLowerCase() as Level;
  const i = LEVELS.indexOf(wanted);
  return i >= 0 ? i : 1;
}

/** The secret values of this process (the stderr log is one per process, so is this list). */
let hidden: readonly string[] = [];

function write(level: Exclude<Level, 'silent'>, message: string): void {
  if (LEVELS.indexOf(level) < threshold()) return;
  process.stderr.write(`[ollm-mcp] ${level === 'info' ? '' : `${level}: `}${redactSecrets(message, hidden)}\n`);
}

export const log = {
  debug: (m: string) => write('debug', m),
  info: (m: string) => write('info', m),
  warn: (m: string) => write('warn', m),
  error: (m: string) => write('error', m),
  /** The secret values no line may show from now on (config/secrets.ts). */
  hide: (secrets: readonly string[]) => {
    hidden = [...secrets];
  },
};
