// Which failures leave the cloud fallback alone for a while (engines/host-error.ts hostTrouble,
// openai/fallback.ts): the host's own trouble, never what one model answered — an empty answer is
// the model's (a local one is asked once more: jobs/route-attempt.ts).
import { describe, expect, it } from 'vitest';
import { HostError, hostTrouble, type HostErrorKind } from '../../src/orchestrator/engines/host-error.js';

const err = (kind: HostErrorKind) => new HostError(kind, 'x', '127.0.0.1:11434');

describe('hostTrouble', () => {
  it('the host unreachable, slow, failing, rate-limited or busy: rested', () => {
    for (const kind of ['unreachable', 'timeout', 'server_error', 'rate_limited', 'busy'] as const)
      expect(hostTrouble(err(kind)), kind).toBe(true);
  });

  it('a model that answered nothing, or a request the host refused: not rested', () => {
    for (const kind of [
      'empty_answer',
      'bad_request',
      'model_not_found',
      'out_of_memory',
      'aborted',
      'unauthorized',
      'not_supported',
      'bad_response',
    ] as const)
      expect(hostTrouble(err(kind)), kind).toBe(false);
    expect(hostTrouble(new Error('server_error'))).toBe(false);
  });
});
