/**
 * Learned memory is plausible or not learned (issue 41, item 4), against the built server and CLI:
 * a host that misreports what a model takes once (1e14 bytes) is not believed for ever — the
 * model still loads, after a restart too; a host reporting nonsense on every reading (0, 1 byte, a
 * context far past the model's window) never makes the planner admit more than a 12 GB budget; a
 * figure learned before the bounds existed is set aside on read, `doctor` lists it, and
 * `learning reset` (or `learning reset sizes`) forgets it.
 */
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import type { Misreport } from '../fake-ollama/model-info.js';
import { connect, run, tempHome } from '../helpers/spawn.js';

// The server reads this machine's real RAM; a 12 GB budget keeps the decisions independent of it.
const BUDGET = 12e9;
const YAML = 'ram:\n  budget: 12GB\n  bufferBytes: 0\nmodel:\n  keepAlive:\n    timeout: 10m\n';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/**
 * A fake with qwen3:8b and gemma3:4b installed too, and room for everything: only the server's planning keeps
 * within the budget.
 */
async function fakeHost() {
  const fake = await FakeOllama.start({ models: DEFAULT_REGISTRY, memoryBytes: 64e9, tokenDelayMs: 0, loadDelayMs: 0 });
  stops.push(() => fake.stop());
  return fake;
}

async function session(home: string, fake: FakeOllama) {
  const s = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
  stops.push(() => s.close().catch(() => undefined));
  const call = async (name: string, args: Record<string, unknown>) => {
    const res = await s.client.callTool({ name, arguments: args });
    return {
      isError: res.isError === true,
      out: res.structuredContent as Record<string, unknown>,
      text: (res.content as Array<{ text: string }>)[0]!.text,
    };
  };
  return { ...s, call };
}

const trueLoaded = (fake: FakeOllama) => fake.loaded().reduce((sum, m) => sum + m.size, 0);
const cli = (home: string, fake: FakeOllama, ...args: string[]) =>
  run(args, { OLLM_HOME: home, OLLAMA_HOST: fake.host });

/** The figures learned in `home`'s state database, as a person with the sqlite3 shell would see them. */
function learnedRows(
  home: string,
  edit?: (json: Record<string, number>) => Record<string, number>,
): Array<{ key: string; json: Record<string, number> }> {
  const db = new Database(join(home, 'state.db'));
  try {
    const rows = (
      db.prepare("SELECT key, json FROM sums WHERE store = 'seen-sizes'").all() as Array<{ key: string; json: string }>
    ).map((r) => ({ key: r.key, json: JSON.parse(r.json) as Record<string, number> }));
    if (edit)
      for (const r of rows)
        db.prepare("UPDATE sums SET json = ? WHERE store = 'seen-sizes' AND key = ?").run(
          JSON.stringify(edit(r.json)),
          r.key,
        );
    return rows;
  } finally {
    db.close();
  }
}

describe('a host that lies once is not believed for ever', () => {
  for (const [model, lie] of [
    ['qwen2.5-coder:7b', 1e14],
    ['qwen3:8b', 3.7e13],
  ] as const) {
    it(
      `${model}: one /api/ps reading of ${lie} bytes after a load is set aside; the model loads ` +
        `again, after a restart too`,
      { timeout: 60_000 },
      async () => {
        const fake = await fakeHost();
        const home = tempHome(YAML);
        const s = await session(home, fake);
        fake.misreport(() => ({ size: lie }));
        expect((await s.call('smart_load', { model })).out).toMatchObject({ action: 'loaded' });
        fake.misreport(undefined);
        expect((await s.call('unload_model', { model })).isError).toBe(false);
        const again = await s.call('smart_load', { model });
        expect(again.text).not.toMatch(/TB/);
        expect(again.out).toMatchObject({ action: 'loaded' });
        expect(s.stderr()).toMatch(
          new RegExp(
            `reported that ${model.replace(/[.:]/g, '\\$&')} takes .*; set aside, not learned: it is outside what`,
          ),
        );
        await s.call('unload_model', { model });
        await s.close();

        const restarted = await session(home, fake);
        const after = await restarted.call('smart_load', { model });
        expect(after.out).toMatchObject({ action: 'loaded' });
      },
    );
  }
});

describe('a host reporting nonsense on every reading: admission stays within the 12 GB budget', () => {
  const models = ['qwen2.5-coder:7b', 'qwen3:8b', 'llava:7b', 'llama3.2'];
  const lies: Array<[string, Misreport]> = [
    ['size 0', () => ({ size: 0, sizeVram: 0 })],
    ['size 1 byte', () => ({ size: 1, sizeVram: 0 })],
    ['size 2 bytes, size_vram 0', () => ({ size: 2, sizeVram: 0 })],
  ];
  for (const [what, lie] of lies) {
    it(`${what}: every model is loaded in turn, never more than the budget at once`, { timeout: 60_000 }, async () => {
      const fake = await fakeHost();
      const s = await session(tempHome(YAML), fake);
      fake.misreport(lie);
      for (const model of models) {
        const r = await s.call('smart_load', { model });
        expect(r.out, r.text).toMatchObject({ action: 'loaded' });
        expect(trueLoaded(fake)).toBeLessThanOrEqual(BUDGET);
      }
    });
  }

  for (const claimed of [1e9, 131072 * 64]) {
    it(
      `a context_length of ${claimed} claimed after each load: the figure learned does not shrink to nothing`,
      { timeout: 60_000 },
      async () => {
        const fake = await fakeHost();
        const s = await session(tempHome(YAML), fake);
        fake.misreport(() => ({ contextLength: claimed }));
        // llava is loaded once under the lie, then the others fill the budget, then llava comes back
        expect((await s.call('smart_load', { model: 'llava:7b' })).out).toMatchObject({ action: 'loaded' });
        await s.call('unload_model', { model: 'llava:7b' });
        for (const model of ['qwen2.5-coder:7b', 'qwen3:8b', 'llava:7b']) {
          const r = await s.call('smart_load', { model });
          expect(r.out, r.text).toMatchObject({ action: 'loaded' });
          expect(trueLoaded(fake)).toBeLessThanOrEqual(BUDGET);
        }
      },
    );
  }
});

describe('figures learned before the bounds, doctor and learning reset', () => {
  it(
    'a 1e14 figure already in the database is set aside on read; doctor lists it; learning reset sizes forgets it',
    { timeout: 90_000 },
    async () => {
      const fake = await fakeHost();
      const home = tempHome(YAML);
      const model = 'qwen2.5-coder:7b';
      const first = await session(home, fake);
      expect((await first.call('smart_load', { model })).out).toMatchObject({ action: 'loaded' });
      await first.call('unload_model', { model });
      await first.close();
      // what an earlier version kept after a host said 1e14 bytes
      const rows = learnedRows(home, (j) => ({ ...j, sumBytes: 1e14 * j.count!, minBytes: 1e14, maxBytes: 1e14 }));
      expect(rows).toHaveLength(1);

      const next = await session(home, fake);
      const plan = await next.call('smart_load', { model, dryRun: true });
      expect(plan.text).not.toMatch(/TB/);
      expect(plan.out).toMatchObject({ action: 'would_load' });
      expect(plan.text).toMatch(/\+ 20%/); // the estimate
      const status = await next.call('show_status', {});
      expect(status.text).not.toContain('100000.00 GB'); // not listed among the figures learned
      await next.close();

      const doctor = await cli(home, fake, 'doctor');
      expect(doctor.stdout).toMatch(
        /! Learned memory: 1 figure learned from loads is far from the estimate: qwen2\.5-coder:7b at \d+k context: 100\.0 TB learned, [\d.]+ GB estimated \([\d,]+× the estimate; set aside as impossible for it, not used\)/,
      );
      expect(doctor.stdout).toContain('fix: `ollm-mcp learning reset sizes` forgets the figures learned from loads');

      const reset = await cli(home, fake, 'learning', 'reset', 'sizes');
      expect(reset.code).toBe(0);
      expect(reset.stdout).toContain('Forgot the memory learned from loads (1 figure)');
      expect(reset.stdout).not.toContain('verdict'); // routing's record is kept
      expect(learnedRows(home)).toEqual([]);
      expect((await cli(home, fake, 'doctor')).stdout).not.toContain('Learned memory');
    },
  );

  it('learning reset forgets the memory learned from loads too, and says so', { timeout: 60_000 }, async () => {
    const fake = await fakeHost();
    const home = tempHome(YAML);
    const model = 'qwen3:8b';
    const s = await session(home, fake);
    await s.call('smart_load', { model });
    await s.call('unload_model', { model });
    const card = await s.call('show_model', { model });
    expect(card.text).toMatch(/observed [\d.]+ GB at \d+k context/);
    await s.close();
    expect(learnedRows(home)).toHaveLength(1);
    const routingOnly = await cli(home, fake, 'learning', 'reset', 'routing');
    expect(routingOnly.stdout).not.toContain('memory learned from loads');
    expect(learnedRows(home)).toHaveLength(1);

    const reset = await cli(home, fake, 'learning', 'reset');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('Forgot every verdict');
    expect(reset.stdout).toContain('Forgot the memory learned from loads (1 figure)');
    expect(learnedRows(home)).toEqual([]);
    const again = await session(home, fake);
    expect((await again.call('show_model', { model })).text).not.toMatch(/observed/);
    expect((await cli(home, fake, 'learning', 'reset', 'everything')).code).not.toBe(0);
  });
});
