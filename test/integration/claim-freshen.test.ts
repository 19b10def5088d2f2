/**
 * A call that plans reads its engine's claim file at its arrival (planned-elsewhere.ts freshen), while this
 * server plans the engine, and the sending of its request takes that read: callers at once share one read of
 * the file (engine-claims.ts holds), never one each.
 */
import { describe, expect, it, vi } from 'vitest';
import { EngineClaims, HOLD_READ_MS, newToken } from '../../src/server/shared/engine-claims.js';
import * as claimFile from '../../src/server/shared/claim-file.js';
import { plannedElsewhere } from '../../src/orchestrator/engines/planned-elsewhere.js';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { tempDir } from '../helpers/temp.js';

vi.mock('../../src/server/shared/claim-file.js', async (original) => {
  const real = await original<typeof import('../../src/server/shared/claim-file.js')>();
  return { ...real, readClaim: vi.fn(real.readClaim) };
});
const reads = () => vi.mocked(claimFile.readClaim).mock.calls.length;

describe('the claim file read once for the callers at once', () => {
  it('two holds() at once: one read, both told it holds; later, past the window, one read more', async () => {
    const clock = { wall: 1_000_000, mono: 5_000 };
    const endpoint = { url: 'http://127.0.0.1:9/mcp', token: newToken() };
    const claims = new EngineClaims(
      tempDir('ollm-claims-'),
      async () => endpoint,
      process.pid,
      () => ({ ...clock }),
    );
    const claim = claims.claim('ollama', 'http://127.0.0.1:11434');
    expect(await claim.planner()).toBeUndefined(); // claimed: this server plans the engine
    expect(await claim.holds()).toBe(true);
    clock.wall += HOLD_READ_MS;
    clock.mono += HOLD_READ_MS;
    const before = reads();
    expect(await Promise.all([claim.holds(), claim.holds()])).toEqual([true, true]);
    expect(reads()).toBe(before + 1);
    expect(await claim.holds()).toBe(true); // within the window again: not read
    expect(reads()).toBe(before + 1);
  });
});

describe('freshen, through the claim', () => {
  const direct = () => new OllamaBackend({ host: 'http://127.0.0.1:9', timeoutMs: 1000 });

  it('asks the claim while this server plans the engine; not once another server does', async () => {
    const claim = { planner: vi.fn(async () => undefined), holds: vi.fn(async () => true) };
    const engine = plannedElsewhere(direct(), claim, { name: 'ollama', timeoutMs: 1000, parallel: 1 });
    await engine.shared.settle();
    engine.freshen!();
    expect(claim.holds).toHaveBeenCalledTimes(1);
    claim.planner.mockResolvedValue({ url: 'http://127.0.0.1:9/mcp', token: newToken(), pid: process.ppid } as never);
    await engine.shared.settle();
    engine.freshen!();
    expect(claim.holds).toHaveBeenCalledTimes(1);
  });
});
