/** /api/pull of the fake Ollama. */
import { describe, expect, it } from 'vitest';
import { expectResponseError, ndjson, post, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

describe('fake ollama: pull', () => {
  it('streams progress with totals and installs the model only on success', async () => {
    const { fake, client } = await start();
    const target = 'gemma3:4b';
    expect(fake.installed().some((m) => m.name === target)).toBe(false);
    const stream = await client.pull({ model: target, stream: true });
    const statuses: string[] = [];
    const progress = new Map<string, { total: number; completed: number[] }>();
    for await (const p of stream) {
      statuses.push(p.status);
      if (p.status !== 'success') expect(fake.installed().some((m) => m.name === target)).toBe(false);
      if (p.digest) {
        expect(p.status).toBe(`pulling ${p.digest.slice(7, 19)}`);
        expect(p.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        const e = progress.get(p.digest) ?? { total: p.total, completed: [] };
        expect(p.total).toBe(e.total);
        if ('completed' in p) e.completed.push(p.completed);
        progress.set(p.digest, e);
      }
    }
    expect(statuses[0]).toBe('pulling manifest');
    expect(statuses.slice(-3)).toEqual(['verifying sha256 digest', 'writing manifest', 'success']);
    const layers = [...progress.values()];
    expect(layers.length).toBeGreaterThanOrEqual(2);
    expect(layers.reduce((s, l) => s + l.total, 0)).toBe(3338801804);
    for (const l of layers) {
      expect(l.completed.at(-1)).toBe(l.total);
      expect([...l.completed].sort((a, b) => a - b)).toEqual(l.completed);
      expect(l.completed.every((c) => c > 0)).toBe(true); // completed is left out when 0
    }
    expect(fake.installed().find((m) => m.name === target)?.size).toBe(3338801804);

    // pulling again is quick: one completed == total line per layer
    const again = await ndjson(await post(`${fake.url}/api/pull`, { model: target }));
    const layerLines = again.filter((l) => 'digest' in l);
    expect(layerLines).toHaveLength(layers.length);
    expect(layerLines.every((l) => l['completed'] === l['total'])).toBe(true);
    expect(again.at(-1)).toEqual({ status: 'success' });
  });

  it('unknown model: streamed 200 with an error line, stream:false 500', async () => {
    const { fake, client } = await start();
    const res = await post(`${fake.url}/api/pull`, { model: 'no-such-model' });
    expect(res.status).toBe(200);
    expect(await ndjson(res)).toEqual([
      { status: 'pulling manifest' },
      { error: 'pull model manifest: file does not exist' },
    ]);
    const stream = await client.pull({ model: 'no-such-model', stream: true });
    await expect(
      (async () => {
        for await (const p of stream) void p;
      })(),
    ).rejects.toThrow('pull model manifest: file does not exist');
    await expectResponseError(client.pull({ model: 'no-such-model' }), 500, 'pull model manifest: file does not exist');
  });

  it('a client that disconnects mid-pull leaves the model not installed', async () => {
    const { fake, client } = await start({ pullChunkDelayMs: 15 });
    const stream = await client.pull({ model: 'qwen3:8b', stream: true });
    let n = 0;
    await expect(
      (async () => {
        for await (const p of stream) {
          void p;
          if (++n === 3) stream.abort();
        }
      })(),
    ).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 400)); // longer than the rest of the pull would take
    expect(fake.installed().some((m) => m.name === 'qwen3:8b')).toBe(false);
    const done = await client.pull({ model: 'qwen3:8b' });
    expect(done.status).toBe('success');
    expect(fake.installed().some((m) => m.name === 'qwen3:8b')).toBe(true);
  });
});
