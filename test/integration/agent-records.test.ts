// Each agent known (issue 43, item 3): what every agent asked — its calls, the verdicts it gave,
// its tokens and savings in the ledger — kept per agent in the shared state database, across
// processes (two stores on one home are two processes), with rows of earlier versions as "unknown".
import { join } from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { AgentsStore } from '../../src/orchestrator/stores/agents.js';
import { SavingsStore } from '../../src/orchestrator/stores/savings-store.js';
import type { CallTokens, Prices } from '../../src/orchestrator/savings/ledger.js';
import { tempDir } from '../helpers/temp.js';

const PRICES: Prices = { inputPerMillion: 3, outputPerMillion: 15, currency: '$' };
const CALL: CallTokens = {
  argsTokens: 60,
  resultTokens: 500,
  inputTokens: 15_000,
  answerTokens: 500,
  localPromptTokens: 15_100,
  localOutputTokens: 480,
  inputsByReference: 14_900,
};

describe('records per agent', () => {
  it(
    'two processes on one home: each agent its own calls, failures, verdicts, tokens and ' +
      'savings; the ledger in all still adds up',
    async () => {
      const home = tempDir('ollm-agents-');
      const [agentsA, savingsA] = [
        new AgentsStore(home, { flushDelayMs: 60_000 }),
        new SavingsStore(home, PRICES, { flushDelayMs: 60_000 }),
      ];
      const [agentsB, savingsB] = [
        new AgentsStore(home, { flushDelayMs: 60_000 }),
        new SavingsStore(home, PRICES, { flushDelayMs: 60_000 }),
      ];
      agentsA.called('claude-code', true);
      agentsA.called('claude-code', false);
      agentsA.verdict('claude-code', true);
      savingsA.recordCall(CALL, { model: 'llama3.2:latest', task: 'general', agent: 'claude-code' });
      agentsB.called('cursor', true);
      agentsB.verdict('cursor', false);
      savingsB.recordCall(CALL, { model: 'llama3.2:latest', task: 'general', agent: 'cursor' });
      savingsB.recordCall(CALL, { model: 'phi3:mini', task: 'code', agent: 'cursor' });
      await Promise.all([agentsA.close(), savingsA.close(), agentsB.close(), savingsB.close()]);

      // a third process reads what both wrote
      const agents = new AgentsStore(home);
      const savings = new SavingsStore(home, PRICES);
      await Promise.all([agents.load(), savings.load()]);
      const summary = savings.summary();
      expect(summary.total.calls).toBe(3);
      expect(summary.byModel.map((m) => [m.model, m.calls])).toEqual([
        ['llama3.2:latest', 2],
        ['phi3:mini', 1],
      ]);
      const records = agents.records(summary.byAgent);
      expect(records.map((r) => r.agent)).toEqual(['claude-code', 'cursor']); // most requests first
      expect(records[0]).toMatchObject({
        requests: 2,
        failed: 1,
        offloaded: 1,
        promptTokens: 15_100,
        outputTokens: 480,
        good: 1,
        bad: 0,
      });
      expect(records[1]).toMatchObject({
        requests: 1,
        failed: 0,
        offloaded: 2,
        promptTokens: 30_200,
        outputTokens: 960,
        good: 0,
        bad: 1,
      });
      expect(records[1]!.savedTokens).toBe(2 * records[0]!.savedTokens);
      expect(records[0]!.lastUsed).toMatch(/^\d{4}-\d\d-\d\dT/);
      await Promise.all([agents.close(), savings.close()]);
    },
  );

  it('a ledger row of an earlier version (no agent in its key) counts as agent "unknown", in all as before', async () => {
    const home = tempDir('ollm-agents-');
    const first = new SavingsStore(home, PRICES);
    first.recordCall(CALL, { model: 'llama3.2:latest', task: 'general' }); // no agent: keyed as earlier versions did
    await first.close();
    const db = new Database(join(home, 'state.db'), { readonly: true });
    const keys = (db.prepare("SELECT key FROM sums WHERE store = 'savings'").all() as Array<{ key: string }>).map(
      (r) => JSON.parse(r.key) as string[],
    );
    db.close();
    expect(keys).toEqual([[expect.any(String), 'llama3.2:latest', 'general']]);

    const later = new SavingsStore(home, PRICES);
    await later.load();
    later.recordCall(CALL, { model: 'llama3.2:latest', task: 'general', agent: 'zed' });
    const s = later.summary();
    expect(s.total.calls).toBe(2);
    expect(s.byModel).toHaveLength(1);
    expect(s.byAgent.map((a) => [a.agent, a.calls])).toEqual([
      ['unknown', 1],
      ['zed', 1],
    ]);
    await later.close();
  });

  it('an agent store ignores a row that is not its own shape and an empty name', async () => {
    const home = tempDir('ollm-agents-');
    const a = new AgentsStore(home);
    a.called('', true);
    a.verdict('', true);
    a.called('ok', true);
    await a.close();
    const b = new AgentsStore(home);
    await b.load();
    expect(b.records([]).map((r) => r.agent)).toEqual(['ok']);
    await b.close();
  });
});
