import { describe, expect, it } from 'vitest';
import { KEEP_ANSWERS, Outcomes, VerdictError } from '../../src/orchestrator/stores/outcomes.js';
import { tempDir } from '../helpers/temp.js';

describe('outcomes in the state database', () => {
  it(
    `keeps the last ${KEEP_ANSWERS} answers; a verdict counts once, a changed one replaces it; ` +
      `another process's store sees it; reset forgets`,
    async () => {
      const home = tempDir('ollm-outcomes-');
      const a = new Outcomes(home);
      const place = { model: 'qwen2.5-coder:7b', work: 'code' as const };
      const ids = await Promise.all(Array.from({ length: KEEP_ANSWERS + 5 }, () => a.answered(place)));
      expect(new Set(ids).size).toBe(KEEP_ANSWERS + 5);
      await expect(a.verdict(ids[0]!, true)).rejects.toBeInstanceOf(VerdictError);
      const last = ids.at(-1)!;
      expect((await a.verdict(last, false)).evidence).toMatchObject({ good: 0, bad: 1 });
      expect((await a.verdict(last, false)).changed).toBe(false);
      const changed = await a.verdict(last, true);
      expect(changed).toMatchObject({ changed: true, evidence: { good: 1, bad: 0 } });
      const b = new Outcomes(home); // as another process on the same home would
      expect((await b.load())['qwen2.5-coder:7b||code']).toMatchObject({ good: 1, bad: 0 });
      expect((await b.verdict(ids[5]!, true)).evidence).toMatchObject({ good: 2 });
      await b.reset();
      expect(await a.load()).toEqual({});
      await expect(a.verdict(last, true)).rejects.toBeInstanceOf(VerdictError);
    },
  );
});
