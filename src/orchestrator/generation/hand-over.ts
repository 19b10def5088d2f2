/**
 * When a long call is answered (long-work.ts): shortly before its client's limit — a tenth of it,
 * 5 s at the least — with what is done, its work running on as a job.
 */

/** The call is answered this long before the client's limit, at the least. */
const HAND_OVER_MARGIN_MS = 5000;

/**
 * When a call must be answered: its client's limit less a margin (a tenth of it, 5 s at the least); undefined
 * without a limit.
 */
export function answerWithin(limitMs: number | undefined): number | undefined {
  if (limitMs === undefined || limitMs <= 0) return undefined;
  return Math.max(1000, limitMs - Math.max(HAND_OVER_MARGIN_MS, limitMs / 10));
}

/**
 * True once `p` settled (either way) within `ms` (undefined: however long it takes); false when the time came
 * first.
 */
export async function settleWithin(p: Promise<unknown>, ms: number | undefined): Promise<boolean> {
  const settled = p.then(
    () => true,
    () => true,
  );
  if (ms === undefined) return settled;
  let timer: NodeJS.Timeout | undefined;
  const time = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settled, time]);
  } finally {
    clearTimeout(timer);
  }
}
