/** Whether a split job's first part goes before the others (route/first-part.ts), on each side of each reason. */
import { describe, expect, it } from 'vitest';
import { firstPartAlone } from '../../src/orchestrator/route/first-part.js';
import type { FleetHost } from '../../src/orchestrator/fleet/fleet-host.js';

/** A host whose engine manages memory (Ollama's way) or loads by itself, and says a model's window or not. */
const host = (managesMemory: boolean, runtimeWindow?: (model: string) => number | undefined) =>
  ({ engine: { can: { managesMemory }, ...(runtimeWindow && { runtimeWindow }) } }) as unknown as Pick<
    FleetHost,
    'engine'
  >;
const ollama = host(true);

describe('firstPartAlone', () => {
  it('goes alone while the model is not loaded: it loads it once', () => {
    expect(firstPartAlone(ollama, { name: 'm', loaded: false }, 8192)).toBe(true);
    expect(firstPartAlone(ollama, { name: 'm' }, 8192)).toBe(true);
  });

  it('does not on a copy loaded with the window the parts need, or a wider one', () => {
    expect(firstPartAlone(ollama, { name: 'm', loaded: true, loadedWindow: 8192 }, 8192)).toBe(false);
    expect(firstPartAlone(ollama, { name: 'm', loaded: true, loadedWindow: 16384 }, 8192)).toBe(false);
    expect(firstPartAlone(ollama, { name: 'm', loaded: true }, 8192)).toBe(false);
  });

  it('goes alone where the parts reload a copy loaded with a smaller window', () => {
    expect(firstPartAlone(ollama, { name: 'm', loaded: true, loadedWindow: 4096 }, 8192)).toBe(true);
  });

  it('on an engine that loads by itself: alone until it has said the window it runs the model with', () => {
    const unsaid = host(false, () => undefined);
    const said = host(false, (model) => (model === 'm' ? 8192 : undefined));
    expect(firstPartAlone(unsaid, { name: 'm' }, 8192)).toBe(true);
    expect(firstPartAlone(said, { name: 'm' }, 8192)).toBe(false);
    expect(firstPartAlone(said, { name: 'other' }, 8192)).toBe(true);
  });
});
