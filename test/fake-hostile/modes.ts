/** What the hostile host can do (server.ts), and JSON with numbers JSON.stringify cannot write. */
export type HostileMode = 'ok' | 'flood' | 'huge-line' | 'endless' | 'wrong-shapes' | 'bad-numbers' | 'endless-body';
export const MODES: readonly HostileMode[] = [
  'flood',
  'huge-line',
  'endless',
  'wrong-shapes',
  'bad-numbers',
  'endless-body',
];

export const HUGE = 100 * 1024 * 1024;
const INF = '"__1e400__"';
/** JSON with 1e400 (Infinity once parsed) where INFINITE stands. */
export const INFINITE = '__1e400__';
export const json = (v: unknown) => JSON.stringify(v).split(INF).join('1e400');
