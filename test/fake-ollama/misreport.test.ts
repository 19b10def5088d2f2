/**
 * A host that misreports what its models take (FakeOllama.misreport): /api/ps says what it is told; the
 * scheduler keeps the truth.
 */
import { describe, expect, it } from 'vitest';
import { gen, ps, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

describe('misreport', () => {
  it('changes only what /api/ps says, given the true figures, until it is made truthful again', async () => {
    const { fake } = await start({ memoryBytes: 32e9 });
    expect((await gen(fake, { model: 'llama3.2', prompt: 'hi' })).status).toBe(200);
    const truth = (await ps(fake))[0]!;
    const seen: number[] = [];
    fake.misreport((t) => (seen.push(t.size), { size: 1e14, contextLength: 1e9 }));
    const lied = (await ps(fake))[0]!;
    expect(lied).toMatchObject({ name: truth.name, size: 1e14, size_vram: truth.size_vram, context_length: 1e9 });
    expect(seen).toEqual([truth.size]);
    expect(fake.loaded()[0]).toMatchObject({ size: truth.size, contextLength: truth.context_length });
    fake.misreport(undefined);
    expect((await ps(fake))[0]).toEqual(truth);
  });
});
