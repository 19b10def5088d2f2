/**
 * What a job's hand-overs cost the agent, in the savings ledger (issue 62): kept as a cost of its
 * own (model HAND_OVERS, no call), read back by another process, and the job's own ledger line net
 * of them — "saved" is what is left after the hand-overs.
 */
import { describe, expect, it } from 'vitest';
import { HAND_OVERS, SavingsStore } from '../../src/orchestrator/stores/savings-store.js';
import { withLedgerLine } from '../../src/tools/offload-io.js';
import { tempDir } from '../helpers/temp.js';
import { answerRecorded } from '../helpers/answer-records.js';

const PRICES = { inputPerMillion: 3, outputPerMillion: 15, currency: '$' };

describe('hand-overs in the ledger', () => {
  it('are kept as a cost with no call, read back by another process, and make the totals net', async () => {
    const home = tempDir('ollm-overhead-');
    const savings = new SavingsStore(home, PRICES);
    savings.recordOverhead({ in: 1000, out: 20 }, { agent: 'bench-agent' });
    savings.recordOverhead({ in: 0, out: 0 }); // nothing: no row
    await savings.flush();
    const other = new SavingsStore(home, PRICES);
    await other.load();
    const s = other.summary();
    expect(s.total).toMatchObject({
      calls: 0,
      call: { in: 1000, out: 20 },
      self: { in: 0, out: 0 },
      savedTokens: -1020,
    });
    expect(s.total.savedMoney).toBeCloseTo(-(1000 * 3 + 20 * 15) / 1e6, 10);
    expect(s.byModel.map((m) => m.model)).toEqual([HAND_OVERS]);
  });

  it('the job’s own line is net of what its hand-overs cost; without any, it is the call’s as ever', async () => {
    const savings = new SavingsStore(tempDir('ollm-overhead-'), {
      inputPerMillion: 0,
      outputPerMillion: 0,
      currency: '$',
    });
    const ctx = { orch: { savings }, rawArgs: { prompt: 'sum up', files: ['app.log'] }, agent: 'a' } as never;
    const outcome = {
      answer: 'a'.repeat(4000),
      local: { promptTokens: 80_000, outputTokens: 1000 },
      model: 'm',
      task: 'summarize',
    };
    const input = { prompt: 'sum up', files: ['app.log'] };
    const inputs = {
      read: [{ path: 'app.log', kind: 'text' as const, bytes: 300_000, tokens: 75_000, encoding: 'utf-8' }],
      skipped: [],
      bytes: 300_000,
      tokens: 75_000,
    };
    const plain = withLedgerLine(ctx, input, inputs, 'the answer', outcome);
    const net = withLedgerLine(ctx, input, inputs, 'the answer', { ...outcome, spent: { in: 300, out: 30 } });
    expect(net.entry.savedTokens).toBe(plain.entry.savedTokens - 330);
    expect(net.text).toMatch(/this job with its hand-overs cost you \d+/);
    expect(plain.text).toMatch(/this call cost you \d+/);
    // what is recorded is the call's own: the hand-overs were recorded as they came (once the answer is out)
    await answerRecorded();
    expect(savings.summary().total.savedTokens).toBe(2 * plain.entry.savedTokens);
  });
});
