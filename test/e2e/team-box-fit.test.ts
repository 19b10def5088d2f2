// A team's GPU box's models listed on a laptop with their fit as the box sees it (issue 57): the
// box (`ollm-mcp --transport http` with a token, in front of a fake Ollama, an 8 GB budget) plans
// its own memory; a laptop whose only host is the box (`kind: ollm`) lists each box model with the
// box's own figures — fits now, after unloads, not at all, the memory it needs — as the box's
// list_models gives them, and again after the box's engine loaded a model (the fit changed there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { closedAddress } from '../helpers/closed-address.js';

const TOKEN = 'laptop-fit-token-0123456789abcdef';
const BOX_CONFIG =
  'ram:\n  budget: 8GB\n  bufferBytes: 0\nhttp:\n  tokens:\n    laptop: { tokenEnv: OLLM_TOKEN_LAPTOP }\n';
const laptopConfig = (closed: string, url: string) =>
  `ollama:\n  host: ${closed}\nhosts:\n  - name: gpubox\n    kind: ollm\n    url: ${url}\n    tokenEnv: GPUBOX_TOKEN\n`;

interface Listed {
  name: string;
  host?: string;
  loaded: boolean;
  fits: boolean;
  fitsNow: boolean;
  requiredBytes: number;
  selfManaged?: boolean;
  memoryFigure?: string;
  cloud?: boolean;
}
type ListAnswer = { structured: { models: Listed[] }; text: string };

let fake: FakeOllama;
let box: HttpServer;
let boxClient: Client;
let laptop: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 16e9 });
  box = await startHttp({ OLLM_HOME: tempHome(BOX_CONFIG), OLLAMA_HOST: fake.host, OLLM_TOKEN_LAPTOP: TOKEN });
  boxClient = new Client({ name: 'box-reader', version: '1' });
  await boxClient.connect(
    new StreamableHTTPClientTransport(new URL(box.url), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    }),
  );
  laptop = await connect({
    OLLM_HOME: tempHome(laptopConfig(await closedAddress(), box.url)),
    OLLAMA_HOST: await closedAddress(),
    GPUBOX_TOKEN: TOKEN,
  });
}, 30_000);

afterAll(async () => {
  await laptop?.close();
  await boxClient?.close().catch(() => undefined);
  await box?.stop();
  await fake?.stop();
});

async function list(c: Client, refresh: boolean): Promise<ListAnswer> {
  const r = await c.callTool({ name: 'list_models', arguments: { refresh } });
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  return {
    structured: r.structuredContent as ListAnswer['structured'],
    text: (r.content as Array<{ text: string }>)[0]!.text,
  };
}

const fitOf = (m: Listed | undefined) =>
  m && { loaded: m.loaded, fits: m.fits, fitsNow: m.fitsNow, requiredBytes: m.requiredBytes };

/**
 * The laptop's list and the box's own, read one after the other; every box model (not cloud) shown with the
 * box's fit.
 */
async function bothLists(): Promise<{ mine: ListAnswer; boxs: Map<string, Listed> }> {
  const boxList = await list(boxClient, true);
  const mine = await list(laptop.client, false); // as a user asks: no refresh, the fit still a second old at most
  const boxs = new Map(boxList.structured.models.filter((m) => !m.cloud && !m.selfManaged).map((m) => [m.name, m]));
  expect(boxs.size).toBeGreaterThan(3);
  for (const [name, theirs] of boxs) {
    const shown = mine.structured.models.find((m) => m.name === name);
    expect(shown, name).toMatchObject({ host: 'gpubox', selfManaged: true, memoryFigure: "its host's own plan" });
    expect(fitOf(shown), name).toEqual(fitOf(theirs));
  }
  return { mine, boxs };
}

describe("a team's GPU box: its models' fit, as it sees it, on a laptop", () => {
  it(
    "lists each box model with the box's fit (now, after unloads, not at all) and follows it " +
      "when the box's engine loads a model",
    { timeout: 40_000 },
    async () => {
      const first = await bothLists();
      expect(first.boxs.get('llama3.2:latest')).toMatchObject({ fitsNow: true, fits: true });
      expect(first.boxs.get('mixtral:8x7b')).toMatchObject({ fitsNow: false, fits: false });
      expect(first.boxs.get('llama3.2:latest')!.requiredBytes).toBeGreaterThan(2e9);
      expect(first.mine.text).toMatch(
        /llama3\.2:latest on gpubox — .*fits there now, needs \d+\.\d GB \(its host's own plan\)/,
      );
      expect(first.mine.text).toMatch(/mixtral:8x7b on gpubox — .*too big for that host, needs \d+\.\d GB/);

      // the box's engine loads a 4.7 GB model (another client of it): llava (7.8 GB) no longer fits there
      // now, only after unloads
      const res = await fetch(`${fake.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'qwen2.5-coder:7b', keep_alive: '5m' }),
      });
      expect(res.status).toBe(200);
      await res.text();
      await new Promise((r) => setTimeout(r, 1100)); // what the box said a second ago may be reused
      const second = await bothLists();
      expect(second.boxs.get('qwen2.5-coder:7b')).toMatchObject({ loaded: true });
      expect(second.boxs.get('llava:7b')).toMatchObject({ fitsNow: false, fits: true });
      expect(second.mine.text).toMatch(/llava:7b on gpubox — .*fits there after unloading others/);
      expect(second.mine.text).toMatch(/qwen2\.5-coder:7b on gpubox — .*loaded there/);

      // the route ranks by that fit: a model too big for the box is not one a laptop sends work to
      // the route goes by that fit: a model too big for the box is no candidate, one that fits only after
      // unloads there comes after those that fit now
      const r = await laptop.client.callTool({
        name: 'route_and_generate',
        arguments: {
          prompt: 'Write a detailed comparison of three sorting algorithms with their trade-offs, in depth.',
          maxTokens: 8,
          dryRun: true,
        },
      });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      const planned = r.structuredContent as { model: string; advice: { then: string[] } };
      const order = [planned.model, ...planned.advice.then];
      expect(order).not.toContain('mixtral:8x7b');
      expect(order.at(-1)).toBe('llava:7b');
    },
  );
});
