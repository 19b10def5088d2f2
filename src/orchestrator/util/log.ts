/**
 * Logging to stderr. stdout belongs to the MCP protocol on stdio: nothing else may write there.
 * OLLM_LOG_LEVEL = debug | info | warn | error | silent (default info).
 */
const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
type Level = (typeof LEVELS)[number];

function threshold(): number {
  const wanted = (process.env.OLLM_LOG_LEVEL ?? 'info').toLowerCase() as Level;
  const i = LEVELS.indexOf(wanted);
  return i >= 0 ? i : 1;
}

function write(level: Exclude<Level, 'silent'>, message: string): void {
  if (LEVELS.indexOf(level) < threshold()) return;
  process.stderr.write(`[ollm-mcp] ${level === 'info' ? '' : `${level}: `}${message}\n`);
}

export const log = {
  debug: (m: string) => write('debug', m),
  info: (m: string) => write('info', m),
  warn: (m: string) => write('warn', m),
  error: (m: string) => write('error', m),
};
