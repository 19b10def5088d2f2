/**
 * The overhead bench's calls after a pause, as agents make them (bench/overhead.ts): an agent's calls come
 * seconds apart, where every reading a server reuses for a second or less — /api/ps, the memory, its engine
 * claim's file, a box's list — is stale again. ROUNDS rounds (OLLM_BENCH_OVERHEAD_PAUSED; 0: none), each after
 * PAUSE_MS without a call to any path, every path called once in the round (in turns, the order rotated): each
 * server's calls are PAUSE_MS apart or more. Then OLLM_BENCH_OVERHEAD_LONG_PAUSED rounds (4) after LONG_PAUSE_MS,
 * past a hold's lifetime and a relayed list's reuse (5 s). Printed: each path's median over the floor's call of the
 * same round (not judged: a dozen rounds on a busy machine).
 */
const PAUSE_MS = 1200;
const LONG_PAUSE_MS = 6000;

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

export async function pausedLines(paths: Record<string, () => Promise<unknown>>, floor: string): Promise<string[]> {
  return [
    ...(await pausedLine(paths, floor, Number(process.env.OLLM_BENCH_OVERHEAD_PAUSED ?? 10), PAUSE_MS)),
    ...(await pausedLine(paths, floor, Number(process.env.OLLM_BENCH_OVERHEAD_LONG_PAUSED ?? 4), LONG_PAUSE_MS)),
  ];
}

async function pausedLine(
  paths: Record<string, () => Promise<unknown>>,
  floor: string,
  rounds: number,
  pauseMs: number,
): Promise<string[]> {
  if (!(rounds > 0)) return [];
  const names = Object.keys(paths);
  const times = new Map(names.map((n) => [n, [] as number[]]));
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, pauseMs));
    const order = [...names.slice(i % names.length), ...names.slice(0, i % names.length)];
    for (const name of order) {
      const t = performance.now();
      const r = (await paths[name]!()) as { isError?: boolean } | undefined;
      if (r?.isError) throw new Error(`${name}: ${JSON.stringify(r).slice(0, 300)}`);
      times.get(name)!.push(performance.now() - t);
    }
  }
  const over = (name: string) =>
    percentile(
      times.get(name)!.map((t, i) => t - times.get(floor)![i]!),
      0.5,
    );
  const f = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} ms`;
  return [
    `overhead: after ${pauseMs / 1000} s without a call (as agents call; ${rounds} rounds, each path once a round), ` +
      `over the floor's call of the same round (median; printed): ` +
      names
        .filter((n) => n !== floor)
        .map((n) => `${n} ${f(over(n))}`)
        .join('; '),
  ];
}
