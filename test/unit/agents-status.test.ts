import { describe, expect, it } from 'vitest';
import { renderAgents } from '../../src/tools/status-text.js';
import type { AgentRecord } from '../../src/orchestrator/stores/agents.js';

const rec = (agent: string, o: Partial<AgentRecord> = {}): AgentRecord => ({
  agent,
  requests: 1,
  failed: 0,
  offloaded: 0,
  promptTokens: 0,
  outputTokens: 0,
  savedTokens: 0,
  savedMoney: 0,
  good: 0,
  bad: 0,
  ...o,
});

describe("show_status's agents", () => {
  it('says when no agent is recorded', () => {
    expect(renderAgents([], 0, '$')).toBe('Agents: none recorded yet.');
  });

  it(
    'gives each agent one line: calls and failures, offloaded work with its tokens and savings, ' +
      'verdicts; the rest counted',
    () => {
      const text = renderAgents(
        [
          rec('claude-code', {
            requests: 3,
            failed: 1,
            offloaded: 2,
            promptTokens: 1500,
            outputTokens: 300,
            savedTokens: 12_000,
            savedMoney: 0.04,
            good: 2,
            bad: 1,
          }),
          rec('cursor'),
        ],
        5,
        '$',
      );
      const [head, first, second, more] = text.split('\n');
      expect(head).toBe('Agents:');
      expect(first).toMatch(
        /^- claude-code: 3 calls \(1 failed\); 2 offloaded, 1\.5k in \/ 300 out tokens, saved ~12k tokens \(≈ \$0\.04\); verdicts 2 good, 1 bad$/,
      );
      expect(second).toBe('- cursor: 1 call');
      expect(more).toBe('(3 more in ollm://metrics)');
    },
  );

  it(
    'an agent whose hand-overs cost more than its work saved: what it cost, never "saved ~-449" ' +
      '(issue 75, finding 11)',
    () => {
      const [, line] = renderAgents(
        [rec('cursor', { offloaded: 1, promptTokens: 200, outputTokens: 50, savedTokens: -449, savedMoney: -0.002 })],
        1,
        '$',
      ).split('\n');
      expect(line).toBe(
        '- cursor: 1 call; 1 offloaded, 200 in / 50 out tokens, cost ~449 tokens more than it saved (≈ $0.002)',
      );
      expect(line).not.toMatch(/~-/);
    },
  );
});
