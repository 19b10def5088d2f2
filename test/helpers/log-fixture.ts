/** A 48 KB application log, the same each time: timestamped lines LINE-0…, every 13th an error. */
export function log48k(): string {
  const lines: string[] = [];
  for (let n = 0, size = 0; size < 48_000; n++) {
    const line =
      `2026-11-22T10:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}Z ` +
      `worker-${n % 7} LINE-${n} handled job ${n * 31} status=${n % 13 === 0 ? 'error' : 'ok'}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}
