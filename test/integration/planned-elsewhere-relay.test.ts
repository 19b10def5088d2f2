// A relayed call costs what a relay costs (issue 63, Deliver 3): the calls this server sends through
// the server planning an engine (engines/planned-elsewhere.ts → engines/ollm) share one connection and
// one opening, the claim is asked once — again only once the planner's process is gone or a call failed
// (tools/call-reporting.ts RELAYED_QUIET_MS). Counted on the planner's side: a recording proxy in front
// of the built server over HTTP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { BOX_TOKEN, planningBox, type Box } from '../helpers/ollm-box.js';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { plannedElsewhere, type Planner } from '../../src/orchestrator/engines/planned-elsewhere.js';

let box: Box;
let own: FakeOllama;
planningBox((b, o) => ((box = b), (own = o)));

interface Seen {
  rpc: string;
  version: string | undefined;
  type: string | undefined;
}

/**
 * A proxy in front of the box that records what reaches the planner: connections, and each request's JSON-RPC
 * method, era and answer's type; `failNext` drops the next request's connection.
 */
async function recorder() {
  const seen: Seen[] = [];
  let connections = 0;
  const to = new URL(box.origin);
  const agent = new http.Agent({ keepAlive: true });
  const rec = { seen, connections: () => connections, failNext: false, url: '', close: () => undefined as void };
  const server = http.createServer((req, res) => {
    if (rec.failNext) return void ((rec.failNext = false), req.socket.destroy());
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const rpc =
        req.method === 'POST'
          ? ((JSON.parse(body.toString('utf8')) as { method?: string }).method ?? '(answer)')
          : req.method!;
      const out = http.request(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers, agent },
        (up) => {
          seen.push({
            rpc,
            version: req.headers['mcp-protocol-version'] as string | undefined,
            type: up.headers['content-type']?.split(';')[0],
          });
          res.writeHead(up.statusCode!, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  rec.close = () => (server.closeAllConnections(), server.close(), agent.destroy());
  return rec;
}

/**
 * A claim answering the planner given; `asked` counts how often this server asked it who plans (each time it
 * is proven).
 */
function claimOf(answer: () => Planner | undefined) {
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    planner: async () => (asked++, answer()),
    holds: async () => true,
  };
}

function engine(claim: ReturnType<typeof claimOf>, alive: (pid: number) => boolean = () => true) {
  const direct = new OllamaBackend({ host: `http://${own.host}`, timeoutMs: 5000 });
  return plannedElsewhere(direct, claim, { name: 'ollama', timeoutMs: 5000, parallel: 1, alive });
}

const generate = async (e: ReturnType<typeof engine>) => {
  let text = '';
  await e.generate({
    model: 'phi3:mini',
    prompt: 'Say hi.',
    agent: 'agent-b',
    keepAlive: '5m',
    numCtx: 2048,
    maxTokens: 8,
    onDelta: (d) => void (text += d.text ?? ''),
  });
  return text;
};
const calls = (seen: Seen[]) => seen.filter((s) => s.rpc === 'tools/call');
const opened = (seen: Seen[]) => seen.filter((s) => s.rpc === 'server/discover' || s.rpc === 'initialize');

/** This server's engine, its claim naming the planner behind `rec`; its first call sent there, and what that opened. */
async function firstRelayed(rec: Awaited<ReturnType<typeof recorder>>) {
  const claim = claimOf(() => ({ url: rec.url, token: BOX_TOKEN, pid: process.pid }));
  const e = engine(claim);
  await e.shared.settle();
  expect(await generate(e)).toContain('from the planning server');
  return { claim, e, connections: rec.connections(), opening: opened(rec.seen).length };
}

describe("the calls sent through an engine's planner", () => {
  it('share one connection and one opening: the claim asked once', async () => {
    const rec = await recorder();
    try {
      const { claim, e, connections, opening } = await firstRelayed(rec);
      expect(opening).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) expect(await generate(e)).toContain('from the planning server');
      expect(claim.asked).toBe(1);
      expect(rec.connections()).toBe(connections); // none per call
      expect(opened(rec.seen)).toHaveLength(opening); // no opening per call
      expect(calls(rec.seen)).toHaveLength(4);
    } finally {
      rec.close();
    }
  });

  it(
    "the planner's process gone: the next call is sent nothing there, the claim is asked again " +
      'and the call goes to the engine',
    async () => {
      const rec = await recorder();
      try {
        let live = true;
        const claim = claimOf(() => (live ? { url: rec.url, token: BOX_TOKEN, pid: process.pid } : undefined));
        const e = engine(claim, () => live);
        await e.shared.settle();
        expect(await generate(e)).toContain('from the planning server');
        expect(claim.asked).toBe(1);
        live = false;
        const before = rec.seen.length;
        expect(await generate(e)).not.toContain('from the planning server');
        expect(rec.seen.length).toBe(before);
        expect(claim.asked).toBe(2);
        expect(e.shared.plannedBy).toBeUndefined();
      } finally {
        rec.close();
      }
    },
  );

  it('a call that failed there: the claim is asked again, and the next call opens a new connection', async () => {
    const rec = await recorder();
    try {
      const { claim, e, connections, opening } = await firstRelayed(rec);
      rec.failNext = true;
      await expect(generate(e)).rejects.toMatchObject({ kind: 'unreachable' });
      expect(claim.asked).toBe(2); // proven again
      expect(await generate(e)).toContain('from the planning server');
      expect(rec.connections()).toBeGreaterThan(connections);
      expect(opened(rec.seen).length).toBe(2 * opening); // opened again
      expect(claim.asked).toBe(2);
    } finally {
      rec.close();
    }
  });
});
