/**
 * A connection to another ollm-mcp closed for good (engines/planned-elsewhere.ts follows a new planner) sends
 * nothing more and opens nothing again — not even the reading of its list a placement left for after its call
 * (ollm-engine.ts LIST_BEHIND_MS), which comes 250 ms later.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { LIST_BEHIND_MS, OllmEngine } from '../../src/orchestrator/engines/ollm/ollm-engine.js';
import { listedModel, loadedModel } from '../helpers/box-list.js';

let server: Server | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** An endpoint that counts what reaches it (and answers nothing an MCP client accepts). */
async function counting(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, hits: () => hits };
}

const engineAt = (url: string) => new OllmEngine({ name: 'planner', url, timeoutMs: 2000, parallel: 1 });

describe('a connection to another ollm-mcp, closed', () => {
  it('sends nothing once closed; before, its calls reach the endpoint', async () => {
    const end = await counting();
    const open = engineAt(end.url);
    await expect(open.box.callTool('list_models', {}, { timeoutMs: 2000 })).rejects.toBeInstanceOf(HostError);
    expect(end.hits()).toBeGreaterThan(0);
    const before = end.hits();
    await open.box.close();
    const err = await open.box.callTool('list_models', {}, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unreachable' });
    expect((err as Error).message).toMatch(/no longer followed here/);
    expect(end.hits()).toBe(before);
  });

  it("a placement's reading left for after its call, the connection closed meanwhile: nothing is sent", async () => {
    const end = await counting();
    const engine = engineAt(end.url);
    // a first list answered (through the stub), then the real connection for what comes after
    const real = engine.box.callTool.bind(engine.box);
    (engine.box as { callTool: unknown }).callTool = async () => ({
      content: [],
      structuredContent: { models: [listedModel('a:latest')], loaded: [loadedModel('a:latest')] },
    });
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
    await engine.ps();
    (engine.box as { callTool: unknown }).callTool = real;
    vi.setSystemTime(Date.now() + 3000);
    expect((await engine.ps({ recent: true })).map((m) => m.name)).toEqual(['a:latest']); // the next left for later
    await engine.box.close(); // the planner moved: planned-elsewhere.ts closes this one
    await vi.advanceTimersByTimeAsync(LIST_BEHIND_MS);
    vi.useRealTimers();
    await new Promise((r) => setTimeout(r, 100));
    expect(end.hits()).toBe(0);
  });
});
