/**
 * Parsing of the human units users write in settings: byte sizes ("12GB", "512MiB"),
 * shares of RAM ("80%") and Go-style durations ("15m", "1h30m") as Ollama accepts them.
 */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** "12GB" -> 12e9, "1.5GiB" -> 1610612736, 2048 -> 2048. Returns undefined when unreadable. */
export function parseBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** Formats bytes the way Ollama prints them (decimal units): 4661224676 -> "4.7 GB". */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1e3) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1e3;
  let i = 0;
  while (Math.abs(value) >= 1e3 && i < units.length - 1) {
    value /= 1e3;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}

/** A RAM budget: absolute bytes or a share of total RAM. */
export type BudgetSetting = { kind: 'bytes'; bytes: number } | { kind: 'percent'; percent: number };

export function parseBudget(value: string | number): BudgetSetting | undefined {
  if (typeof value === 'string') {
    const pm = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
    if (pm) {
      const percent = Number(pm[1]);
      return percent > 0 && percent <= 100 ? { kind: 'percent', percent } : undefined;
    }
  }
  const bytes = parseBytes(value);
  return bytes !== undefined && bytes > 0 ? { kind: 'bytes', bytes } : undefined;
}

export function resolveBudget(budget: BudgetSetting, totalBytes: number): number {
  return budget.kind === 'bytes' ? budget.bytes : Math.floor((totalBytes * budget.percent) / 100);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1e3,
  m: 60e3,
  h: 3600e3,
};

/**
 * A keep-alive duration as Ollama reads it: a number is seconds, a string is a Go duration.
 * Negative means "forever". Returns milliseconds, or undefined when unreadable
 * (a bare number in a string, like "-1", is rejected by Ollama too).
 */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  const s = value.trim();
  if (s === '0') return 0;
  const m = /^([+-])?((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(s);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
  }
  return m[1] === '-' ? -total : total;
}

/**
 * The longest keep_alive Ollama can hold. It reads keep_alive into a Go time.Duration (int64
 * nanoseconds): a number of seconds beyond this wraps around, a longer duration string is refused.
 */
export const KEEP_ALIVE_MAX_SECONDS = 9_223_372_036;
const KEEP_ALIVE_MAX_MS = 9_223_372_036_854.775;

/**
 * What a keep-alive must be, when `value` is not one Ollama accepts (undefined when it is): a
 * number of seconds or a Go duration, no longer than about 292 years. A negative number (any size)
 * or a negative duration means "forever".
 */
export function keepAliveProblem(value: string | number): string | undefined {
  const ms = parseDurationMs(value);
  if (ms === undefined) return 'a number of seconds or a duration like "10m", "1h30m" or "-1m" (forever)';
  // Ollama counts whole seconds: 0 (or 0.5) unloads the model as soon as it is loaded.
  if (typeof value === 'number' ? Math.trunc(value) === 0 : ms === 0)
    return 'not 0: keep_alive 0 makes Ollama unload the model at once — to unload a model, use unload_model';
  const tooLong =
    typeof value === 'number' ? Math.trunc(value) > KEEP_ALIVE_MAX_SECONDS : Math.abs(ms) > KEEP_ALIVE_MAX_MS;
  if (!tooLong) return undefined;
  return (
    `at most ${KEEP_ALIVE_MAX_SECONDS} seconds, about 292 years, the longest keep-alive Ollama ` +
    `accepts — use -1 (or any negative number) to keep the model loaded forever`
  );
}
