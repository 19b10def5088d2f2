/** Whether a split job's first part goes before the others (route/first-part.ts), on each side of its one reason. */
import { describe, expect, it } from 'vitest';
import { firstPartAlone } from '../../src/orchestrator/route/first-part.js';
import type { FleetHost } from '../../src/orchestrator/fleet/fleet-host.js';

/** A host whose engine manages memory (Ollama's way) or loads by itself, and says a model's window or not. */
const host = (managesMemory: boolean, runtimeWindow?: (model: string) => number | undefined) =>
  ({ engine: { can: { managesMemory }, ...(runtimeWindow && { runtimeWindow }) } }) as unknown as Pick<
    FleetHost,
    'engine'
  >;

describe('firstPartAlone', () => {
  it('never on an engine whose windows are known (Ollama): loaded, loading or reloading, its loader loads once', () => {
    expect(firstPartAlone(host(true), 'm')).toBe(false);
  });

  it('on an engine that loads by itself: alone until it has said the window it runs the model with', () => {
    const said = host(false, (model) => (model === 'm' ? 8192 : undefined));
    expect(
      firstPartAlone(
        host(false, () => undefined),
        'm',
      ),
    ).toBe(true);
    expect(firstPartAlone(said, 'm')).toBe(false);
    expect(firstPartAlone(said, 'other')).toBe(true);
  });
});
