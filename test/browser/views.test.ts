/**
 * The views in headless Chromium against the built server and the fake Ollama: framed by a small
 * MCP Apps host (the extension's AppBridge) and opened directly in a browser over HTTP.
 * Screenshots at desktop and phone widths go to test/screenshots.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import Database from 'libsql';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { chromiumOrSkip } from '../helpers/browser.js';
import { SavingsStore } from '../../src/orchestrator/stores/savings-store.js';

/** $CHROMIUM_PATH or an installed Chrome/Chromium; none: the tests are skipped with a note (a failure under CI). */
const CHROMIUM = chromiumOrSkip();
/**
 * Every run keeps its screenshots in test/screenshots/last-run (not committed: the figures in them
 * change each run); OLLM_SCREENSHOTS=1 rewrites the committed ones the README shows.
 */
const SHOTS = join(import.meta.dirname, process.env.OLLM_SCREENSHOTS ? '../screenshots' : '../screenshots/last-run');
const SIZES = { desktop: { width: 1280, height: 800 }, narrow: { width: 390, height: 844 } } as const;

let fake: FakeOllama;
let server: HttpServer;
let client: Client;
let browser: Browser;
let hostScript: string;
let home: string;

beforeAll(async () => {
  if (!CHROMIUM) return;
  fake = await FakeOllama.start({ memoryBytes: 24e9, models: DEFAULT_MODELS });
  home = tempHome('ram:\n  budget: 14GB\n  bufferBytes: 0\n');
  server = await startHttp({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
  client = new Client({ name: 'ollm-browser-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  const bundled = await build({
    entryPoints: [join(import.meta.dirname, 'host-page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    logLevel: 'warning',
  });
  hostScript = bundled.outputFiles[0]!.text;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await client?.close().catch(() => undefined);
  await server?.stop();
  await fake?.stop();
});

async function viewHtml(uri: string): Promise<string> {
  const res = await client.readResource({ uri });
  const c = res.contents[0] as { mimeType: string; text: string };
  expect(c.mimeType).toBe('text/html;profile=mcp-app');
  return c.text;
}

/** A page hosting the view the way an MCP Apps client does, its tool calls going to the server. */
async function hosted(
  uri: string,
  input: Record<string, unknown>,
  result: unknown,
  size: keyof typeof SIZES = 'desktop',
  look: { system?: 'light' | 'dark'; theme?: 'light' | 'dark' } = {},
  /** Results to answer the view's calls of these tools with, instead of asking the server. */
  stubs: Record<string, unknown> = {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: SIZES[size], colorScheme: look.system ?? 'light' });
  await page.exposeFunction(
    'callTool',
    (params: { name: string; arguments: Record<string, unknown> }) => stubs[params.name] ?? client.callTool(params),
  );
  await page.setContent(`<!doctype html><html><body style="margin:0"><script>${hostScript}</script></body></html>`);
  await page.evaluate(
    ([html, i, r, t]) =>
      window.openView(
        html as string,
        i as Record<string, unknown>,
        r as Record<string, unknown> | null,
        t as 'light' | 'dark' | undefined,
      ),
    [await viewHtml(uri), input, result, look.theme] as const,
  );
  return page;
}

const frameOf = (page: Page) => page.frameLocator('iframe[title="view"]');

describe.skipIf(!CHROMIUM)('views in a browser', () => {
  it('compare and show_status point at their views; a client without MCP Apps gets the same text', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('compare')!._meta).toMatchObject({ ui: { resourceUri: 'ui://ollm/compare' } });
    expect(byName.get('show_status')!._meta).toMatchObject({ ui: { resourceUri: 'ui://ollm/status' } });
    // not read-only since its cancelJob stops one of the agent's own jobs; never destructive
    expect(byName.get('show_status')!.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
    });
    const html = await viewHtml('ui://ollm/compare');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3)/);
    expect(html.length).toBeLessThan(60_000);
  });

  it('the compare view shows every answer with its metrics, and its prefer button is recorded', async () => {
    const input = { prompt: 'Tell me about the sea', models: ['llama3.2', 'phi3:mini', 'qwen2.5-coder:7b'] };
    const result = await client.callTool({ name: 'compare', arguments: input });
    expect(result.isError).toBeFalsy();
    const { comparisonId, task } = result.structuredContent as { comparisonId: string; task: string };
    for (const size of ['desktop', 'narrow'] as const) {
      const page = await hosted('ui://ollm/compare', input, result, size);
      const view = frameOf(page);
      await expect.poll(() => view.locator('article.card').count()).toBe(3);
      for (const model of ['llama3.2:latest', 'phi3:mini', 'qwen2.5-coder:7b']) {
        const card = view.locator(`article.card[data-model="${model}"]`);
        await expect.poll(() => card.locator('.answer').innerText()).not.toBe('');
        for (const metric of ['load', 'first token', 'generation', 'tokens', 'tokens/s', 'host'])
          expect(await card.locator(`dd[data-metric="${metric}"]`).innerText()).toMatch(/\S/);
      }
      await page.screenshot({ path: join(SHOTS, `compare-${size}.png`), fullPage: true });
      if (size === 'desktop') {
        const button = view.locator('article.card[data-model="phi3:mini"] button[data-prefer]');
        await button.focus();
        await page.keyboard.press('Enter'); // a real button: usable from the keyboard
        await expect
          .poll(() => view.locator('article.card[data-model="phi3:mini"] .status').innerText())
          .toMatch(/Preferred for/);
        expect(await page.evaluate(() => window.viewCalls)).toContain('prefer_model');
        // the server's state database, read as another process would
        const db = new Database(join(home, 'state.db'), { readonly: true });
        let prefs: string;
        try {
          prefs = (db.prepare("SELECT json FROM documents WHERE name = 'preferences'").get() as { json: string }).json;
        } finally {
          db.close();
        }
        expect(prefs).toContain('phi3:mini');
        expect(prefs).toContain(task === 'code' ? 'code' : task);
        expect(comparisonId).toBeTruthy();
      }
      await page.close();
    }
  });

  it('the monitor shows what /api/ps reports and follows an unload made from its button', async () => {
    for (const model of ['llama3.2', 'qwen2.5-coder:7b'])
      expect((await client.callTool({ name: 'smart_load', arguments: { model } })).isError).toBeFalsy();
    // What an earlier session saved (another process's store on the same database): a 60 KB log read by path.
    const earlier = new SavingsStore(home, { inputPerMillion: 3, outputPerMillion: 15, currency: '$' });
    earlier.recordCall(
      {
        argsTokens: 60,
        resultTokens: 500,
        inputTokens: 15_000,
        answerTokens: 500,
        localPromptTokens: 15_100,
        localOutputTokens: 480,
        inputsByReference: 14_900,
      },
      { model: 'mistral:7b', task: 'summarize' },
    );
    await earlier.close();
    const page = await hosted('ui://ollm/status', {}, null);
    const view = frameOf(page);
    const rows = view.locator('section[data-host="ollama"] tr[data-model]');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(fake.loaded().length);
    await expect.poll(() => view.locator('[data-bar="RAM"] .bar > span').count()).toBeGreaterThanOrEqual(2);
    const saved = view.locator('section[data-panel="saved"]');
    expect(await saved.locator('dd[data-saved="total"]').innerText()).toMatch(/tokens · \$[\d.]+ over \d+ calls?/);
    expect(await saved.locator('dd[data-saved="today"]').innerText()).toMatch(/tokens/);
    expect(await saved.locator('tr[data-saved-model="mistral:7b"]').innerText()).toMatch(
      /^mistral:7b\s+1\s+14\.9k tokens · \$0\.05\s+560\s+15\.5k$/,
    );
    await page.screenshot({ path: join(SHOTS, 'status-desktop.png'), fullPage: true });
    await view.locator('tr[data-model="qwen2.5-coder:7b"] button[data-act="unload"]').click();
    await expect.poll(() => view.locator('tr[data-model="qwen2.5-coder:7b"]').count(), { timeout: 10_000 }).toBe(0);
    expect(fake.loaded().map((m) => m.name)).not.toContain('qwen2.5-coder:7b');
    await view.locator('tr[data-model="llama3.2:latest"] button[data-act="pin"]').click();
    await expect
      .poll(() => view.locator('tr[data-model="llama3.2:latest"] .tag').first().innerText(), { timeout: 10_000 })
      .toBe('pinned');
    await page.close();
  });

  it("the monitor shows each model's track record by kind of work, from rate_answer's verdicts", async () => {
    const routed = await client.callTool({
      name: 'route_and_generate',
      arguments: { prompt: 'Write a function that adds two numbers', task: 'code', model: 'phi3:mini' },
    });
    expect(routed.isError).toBeFalsy();
    const { answerId, model } = routed.structuredContent as { answerId: string; model: string };
    const rated = await client.callTool({ name: 'rate_answer', arguments: { answerId, verdict: 'good' } });
    expect(rated.isError).toBeFalsy();
    const { work, quality } = rated.structuredContent as { work: string; quality: number };
    const status = (await client.callTool({ name: 'show_status', arguments: {} })).structuredContent as {
      learning: {
        on: boolean;
        records: Array<{ model: string; work: string; record: { meanQuality: number; summary: string } }>;
      };
    };
    const mine = status.learning.records.find((r) => r.model === model && r.work === work)!;
    expect(mine.record.summary).toMatch(/good on 1 of 1 /);
    expect(status.learning.on).toBe(true);
    for (const size of ['desktop', 'narrow'] as const) {
      const page = await hosted('ui://ollm/status', {}, null, size);
      const view = frameOf(page);
      const panel = view.locator('section[data-panel="learning"]');
      const row = panel.locator(`tbody[data-work="${work}"] tr[data-record-model="${model}"]`);
      await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
      expect(await panel.locator('tbody[data-work] tr[data-record-model]').count()).toBe(
        status.learning.records.length,
      );
      expect(await panel.locator(`tbody[data-work="${work}"] th`).innerText()).toBe(work);
      expect(await row.innerText()).toContain(mine.record.summary);
      expect(await row.locator('[data-quality]').innerText()).toBe(`${Math.round(mine.record.meanQuality * 100)}%`);
      expect(Math.abs(mine.record.meanQuality - quality)).toBeLessThan(0.01);
      expect(await panel.locator('[data-learning-off], [data-learning-empty]').count()).toBe(0);
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, `status-records-${size}.png`), fullPage: true });
      await page.close();
    }
  });

  it('the track records are shown as text whatever they hold; none yet and learning off say so', async () => {
    const real = (await client.callTool({ name: 'show_status', arguments: {} })) as {
      structuredContent: Record<string, unknown>;
    };
    const hostile = '<img src=x onerror="parent.pwned=1"><b>bold</b> & "quotes"';
    const record = (meanQuality: number, summary: string) => ({
      good: 3,
      bad: 1,
      failures: 0,
      timeouts: 0,
      cut: 0,
      wins: 0,
      losses: 0,
      meanQuality,
      uncertainty: 0.12,
      tokensPerSecond: 41.6,
      summary,
    });
    const crafted = {
      ...real,
      content: [{ type: 'text', text: 'crafted' }],
      structuredContent: {
        ...real.structuredContent,
        learning: {
          on: false,
          records: [
            {
              model: hostile,
              host: '<i>gpu-box</i>',
              work: 'code',
              record: record(0.83, `good on 3 of 4 code answers here ${hostile}`),
            },
            { model: 'llama3.2:latest', work: 'code', record: record(0.4, 'good on 1 of 3 code answers here') },
            { model: 'llama3.2:latest', work: '<script>x</script>', record: record(1.7, 'out of range') },
          ],
        },
      },
    };
    const page = await hosted('ui://ollm/status', {}, null, 'desktop', {}, { show_status: crafted });
    const view = frameOf(page);
    const panel = view.locator('section[data-panel="learning"]');
    await expect.poll(() => panel.locator('tr[data-record-model]').count(), { timeout: 10_000 }).toBe(3);
    expect(await panel.locator('[data-learning-off]').innerText()).toMatch(
      /Learning is off \(model\.routing\.learning\)/,
    );
    expect(await panel.locator('img, b, i, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    const code = panel.locator('tbody[data-work="code"] tr[data-record-model]');
    expect(await code.count()).toBe(2);
    expect(await code.first().locator('td').first().textContent()).toBe(`${hostile} on <i>gpu-box</i>`);
    expect(await code.first().locator('td').nth(2).textContent()).toBe(
      `good on 3 of 4 code answers here ${hostile} · 42 tok/s`,
    );
    expect(await code.first().locator('[data-quality]').innerText()).toBe('83%');
    expect(await code.nth(1).locator('[data-quality]').innerText()).toBe('40%');
    expect(
      await code
        .first()
        .locator('.qbar > span')
        .evaluate((e) => (e as HTMLElement).style.width),
    ).toBe('83%');
    const odd = panel.locator('tbody[data-work="<script>x</script>"]');
    expect(await odd.locator('th').textContent()).toBe('<script>x</script>');
    expect(await odd.locator('[data-quality]').innerText()).toBe('100%'); // clamped
    await page.close();

    const empty = {
      ...crafted,
      structuredContent: { ...crafted.structuredContent, learning: { on: true, records: [] } },
    };
    const none = await hosted('ui://ollm/status', {}, null, 'narrow', {}, { show_status: empty });
    const nonePanel = frameOf(none).locator('section[data-panel="learning"]');
    await expect.poll(() => nonePanel.locator('[data-learning-empty]').count(), { timeout: 10_000 }).toBe(1);
    expect(await nonePanel.locator('[data-learning-empty]').innerText()).toBe('none yet — rate_answer adds verdicts');
    expect(await nonePanel.locator('table, [data-learning-off]').count()).toBe(0);
    await none.close();
  });

  it("follows the host's theme over the system's, and a theme switched while open", async () => {
    const background = (page: Page) =>
      frameOf(page)
        .locator('body')
        .evaluate((b) => getComputedStyle(b).backgroundColor);
    const DARK = 'rgb(17, 20, 24)';
    const LIGHT = 'rgb(255, 255, 255)';
    const system = await hosted('ui://ollm/status', {}, null, 'desktop', { system: 'dark' });
    await expect.poll(() => background(system), { timeout: 10_000 }).toBe(DARK);
    await system.close();
    const page = await hosted('ui://ollm/status', {}, null, 'desktop', { system: 'dark', theme: 'light' });
    await expect.poll(() => background(page), { timeout: 10_000 }).toBe(LIGHT);
    await page.evaluate(() => window.setTheme('dark'));
    await expect.poll(() => background(page), { timeout: 10_000 }).toBe(DARK);
    await page.evaluate(() => window.setTheme('light'));
    await expect.poll(() => background(page), { timeout: 10_000 }).toBe(LIGHT);
    await page.close();
  });

  it('opened directly in a browser, / lists the views and /status talks to /mcp itself', async () => {
    const base = server.url.replace(/\/mcp$/, '');
    const page = await browser.newPage({ viewport: SIZES.narrow });
    await page.goto(`${base}/`);
    expect(await page.locator('a[href="/status"]').count()).toBe(1);
    await page.goto(`${base}/status`);
    await expect.poll(() => page.locator('tr[data-model="llama3.2:latest"]').count(), { timeout: 10_000 }).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'status-narrow.png'), fullPage: true });
    await page.goto(`${base}/compare`);
    expect(await page.locator('form#ask').isVisible()).toBe(true);
    // not "waiting" for nothing
    expect(await page.locator('#summary').innerText()).toMatch(/^Write a prompt and press Compare/);
    await page.close();
    expect(existsSync(join(SHOTS, 'compare-narrow.png'))).toBe(true);
  });
});
