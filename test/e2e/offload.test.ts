/**
 * Offloading by reference, end to end: the built server, spawned in a project folder, reads files,
 * globs, images and the git diff itself; refuses what it may not read (naming the path and why)
 * without sending a byte of it to Ollama; splits an input longer than every context into parts
 * that each fit; and says per call what it saved the caller.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama, DEFAULT_MODELS } from '../fake-ollama/server.js';
import { Client } from '@modelcontextprotocol/client';
import { pathToFileURL } from 'node:url';
import { connect, E2E_TRANSPORT, tempHome } from '../helpers/spawn.js';
import { makeProject, PNG_1X1, type ProjectFixture } from '../helpers/project-fixture.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';

const YAML = 'ram:\n  budget: 20GB\n  bufferBytes: 0\nsavings:\n  inputPerMillion: 3\n  outputPerMillion: 15\n';
let fake: FakeOllama;
let p: ProjectFixture;
let session: Awaited<ReturnType<typeof connect>>;

type Out = Record<string, unknown> & {
  text: string;
  model: string;
  inputs?: {
    read: Array<{ path: string; kind: string; bytes: number; tokens: number; encoding: string }>;
    skipped: Array<{ path: string; reason: string }>;
    tokens: number;
  };
  split?: { parts: number; rounds: number; calls: number; contextTokens: number };
  ledger: {
    call: { in: number; out: number; money: number };
    self: { in: number; out: number; money: number };
    savedTokens: number;
    savedMoney: number;
    verdict: string;
    local: { in: number; out: number };
  };
};

async function call(name: string, args: Record<string, unknown>, onprogress?: (p: { message?: string }) => void) {
  const res = await session.client.callTool({ name, arguments: args }, onprogress ? { onprogress } : undefined);
  const text = (res.content as Array<{ text: string }>)[0]!.text;
  return { isError: res.isError === true, text, out: res.structuredContent as Out };
}

/** Everything the fake Ollama was sent, as one string: what reached a model. */
const sentToOllama = () => JSON.stringify(fake.requests.map((r) => r.body));

beforeAll(async () => {
  p = makeProject();
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 1 });
  session = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host }, [], p.root);
});
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
});

describe('inputs by reference', () => {
  it('reads files and globs itself, honouring .gitignore, and lists what it read', async () => {
    fake.reply('A summary of the files.');
    const r = await call('route_and_generate', {
      prompt: 'Summarise what these files do.',
      task: 'summarize',
      files: ['src/**/*.ts', 'docs/*.md'],
    });
    expect(r.isError, r.text).toBe(false);
    const paths = r.out.inputs!.read.map((x) => x.path);
    expect(paths).toEqual(['src/a.ts', 'src/b.ts', 'src/nested/c.ts', 'docs/guide.md']);
    const last = fake.generations().at(-1)!;
    expect(last.prompt).toMatch(
      /### src\/a\.ts[\s\S]*ALPHA-MARK[\s\S]*GAMMA-MARK[\s\S]*DOCS-MARK[\s\S]*Task: Summarise what these files do\./,
    );
    expect(last.prompt).not.toMatch(/PRIVATE-DOC-MARK|BUILD-MARK/);
    expect(last.fits).toBe(true);
    expect(r.text).toMatch(/Read 4 inputs: src\/a\.ts \(\d+ B, ~\d+ tokens\)/);
  });

  it('refuses what it may not read — naming the path and why — and sends none of it to Ollama', async () => {
    const before = fake.requests.length;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ images: [p.outsideSecret] }, /secret\.txt( \(\d+ characters\))?: outside the folders ollm-mcp may read/],
      [{ files: [`../${p.outside.split('/').pop()}/secret.txt`] }, /outside the folders/],
      [{ files: ['link-out.txt'] }, /link-out\.txt: outside the folders ollm-mcp may read \(it leads to/],
      [{ files: [p.outsideSecret] }, /outside the folders/],
      [{ files: ['.env'] }, /\.env: refused: it looks like an environment file/],
      [{ files: ['keys/id_rsa'] }, /SSH private key/],
      [{ files: ['bin/data.bin'] }, /bin\/data\.bin: a binary file/],
      [{ images: ['/home/me/.ssh/id_rsa'] }, /id_rsa: does not exist|outside the folders/],
    ];
    for (const [args, why] of cases) {
      const r = await call('route_and_generate', { prompt: 'Describe this.', ...args });
      expect(r.isError, JSON.stringify(args)).toBe(true);
      expect(r.text).toMatch(why);
    }
    expect(fake.requests.length).toBe(before); // refused before anything was sent
    expect(sentToOllama()).not.toMatch(/OUTSIDE-SECRET|ENV-SECRET|KEY-SECRET/);
  });

  it('decodes UTF-16 text and sends it as text', async () => {
    const r = await call('route_and_generate', {
      prompt: 'What do these say?',
      task: 'general',
      files: ['text/utf16le.txt', 'text/utf16be.txt'],
    });
    expect(r.out.inputs!.read.map((x) => x.encoding)).toEqual(['utf-16le', 'utf-16be']);
    expect(fake.generations().at(-1)!.prompt).toMatch(/UTF16LE-MARK héllo wörld[\s\S]*UTF16BE-MARK ½ done/);
  });

  it('sends an image given by path to a vision model as its bytes', async () => {
    fake.reply('A single pixel.');
    const r = await call('route_and_generate', { prompt: 'What is in this picture?', images: ['img/photo.png'] });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).toBe('llava:7b');
    const last = fake.generations().at(-1)!;
    expect(last.images).toEqual([PNG_1X1.toString('base64')]);
    expect(last.imageBytes).toEqual([PNG_1X1.length]);
    expect(r.out.inputs!.read).toEqual([
      { path: 'img/photo.png', kind: 'image', bytes: PNG_1X1.length, tokens: 0, encoding: 'png' },
    ]);
  });

  it('reads the staged diff with git, leaving out unstaged changes and secrets', async () => {
    const r = await call('route_and_generate', {
      prompt: 'Review this change for bugs.',
      task: 'code',
      diff: { staged: true },
    });
    expect(r.isError, r.text).toBe(false);
    const prompt = fake.generations().at(-1)!.prompt!;
    expect(prompt).toContain('### git diff --cached (staged changes)');
    expect(prompt).toContain('+  return a + b + 0; // STAGED-MARK');
    expect(prompt).not.toMatch(/UNSTAGED-MARK|ENV-SECRET/);
    const work = await call('route_and_generate', { prompt: 'Review this change.', task: 'code', diff: {} });
    expect(work.out.inputs!.skipped).toEqual([{ path: '.env', reason: expect.stringMatching(/left out of the diff/) }]);
    expect(sentToOllama()).not.toMatch(/ENV-SECRET/);
  });

  it('compare and render_template read inputs by reference too; a template variable comes from a file', async () => {
    const c = await call('compare', {
      prompt: 'Explain this code.',
      files: ['src/a.ts'],
      models: ['llama3.2', 'qwen2.5-coder:7b'],
      maxTokens: 8,
    });
    expect(c.isError, c.text).toBe(false);
    expect(c.out.inputs!.read.map((x) => x.path)).toEqual(['src/a.ts']);
    const compared = fake.generations().slice(-2);
    for (const g of compared) expect(g.prompt).toContain('ALPHA-MARK');
    const t = await call('render_template', {
      name: 'code_review',
      variableFiles: { code: 'src/nested/c.ts' },
      variables: { language: 'TypeScript' },
    });
    expect(t.isError, t.text).toBe(false);
    expect((t.out as unknown as { prompt: string }).prompt).toContain('GAMMA-MARK');
    const g = await call('render_template', {
      name: 'summarize',
      variables: { text: 'the change below' },
      diff: { staged: true },
      generate: true,
    });
    expect(g.isError, g.text).toBe(false);
    expect(fake.generations().at(-1)!.prompt).toContain('STAGED-MARK');
    expect((g.out as unknown as { generated: Out }).generated.ledger.self.in).toBeGreaterThan(0);
    const without = await call('render_template', { name: 'summarize', variables: { text: 'x' }, files: ['src/a.ts'] });
    expect(without.isError).toBe(true);
    expect(without.text).toMatch(/only with generate: true.*variableFiles/);
  });
});

// Over HTTP each request is served by a server of its own that cannot ask the client (README: inputs.roots instead).
describe.skipIf(E2E_TRANSPORT !== 'stdio')("the client's MCP roots", () => {
  it('allow absolute paths inside them, and follow the client when they change', async () => {
    let roots = [{ uri: pathToFileURL(p.outside).href, name: 'notes' }];
    const client = new Client({ name: 'with-roots', version: '1' }, { capabilities: { roots: { listChanged: true } } });
    client.setRequestHandler('roots/list', () => ({ roots }));
    const s = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host }, [], p.root, client);
    try {
      const ok = await client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'What does this say?', task: 'general', files: [p.outsideSecret] },
      });
      expect(ok.isError, JSON.stringify(ok.content)).toBeFalsy();
      expect(fake.generations().at(-1)!.prompt).toContain('OUTSIDE-SECRET');
      roots = [];
      await client.sendRootsListChanged();
      await new Promise((r) => setTimeout(r, 200));
      const refused = await client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'What does this say?', task: 'general', files: [p.outsideSecret] },
      });
      expect(refused.isError).toBe(true);
      expect((refused.content as Array<{ text: string }>)[0]!.text).toMatch(/outside the folders/);
    } finally {
      await s.close();
    }
  });
});

describe('the ledger', () => {
  it('prices a call by reference from its arguments, its result and its inputs', async () => {
    fake.reply('Short answer.');
    const args = { prompt: 'Summarise this log.', task: 'summarize', files: ['docs/guide.md'] };
    const r = await call('route_and_generate', args);
    const l = r.out.ledger;
    expect(l.call.out).toBe(estimateTokens(JSON.stringify(args)));
    expect(l.self.in).toBe(estimateTokens(`\n${args.prompt}`) + r.out.inputs!.tokens);
    expect(l.self.out).toBe(estimateTokens('Short answer.'));
    expect(l.savedTokens).toBe(l.self.in + l.self.out - l.call.in - l.call.out);
    expect(l.call.money).toBeCloseTo((l.call.in * 3 + l.call.out * 15) / 1e6, 9);
    expect(l.self.money).toBeCloseTo((l.self.in * 3 + l.self.out * 15) / 1e6, 9);
    expect(r.text.split('\n').at(-1)).toMatch(/^(Saved you|About even|This call cost you)/);
  });

  it('says honestly when pasting cost more than doing the work, and suggests paths', async () => {
    fake.reply('ok');
    const pasted = Array.from(
      { length: 800 },
      (_, i) => `2026-11-22T10:00:${String(i % 60).padStart(2, '0')} INFO request ${i} served in ${i % 97} ms`,
    ).join('\n');
    const r = await call('route_and_generate', { prompt: `Summarise this log:\n${pasted}`, task: 'summarize' });
    expect(r.out.ledger.verdict).toBe('cost_more');
    expect(r.text.split('\n').at(-1)).toMatch(
      /^This call cost you ~\$[\d.]+ more than doing it yourself .* pass long inputs by path/,
    );
  });

  it('adds every call to the totals in ollm://metrics and show_status', async () => {
    const totals = async () => {
      const res = await session.client.readResource({ uri: 'ollm://metrics' });
      return (
        JSON.parse((res.contents[0] as { text: string }).text) as {
          savings: { total: { calls: number; savedTokens: number } };
        }
      ).savings.total;
    };
    const before = await totals();
    fake.reply('A short answer.');
    const calls = [
      await call('route_and_generate', {
        prompt: 'Summarise this guide.',
        task: 'summarize',
        files: ['docs/guide.md'],
      }),
      await call('route_and_generate', {
        prompt: 'Summarise these sources.',
        task: 'summarize',
        files: ['src/**/*.ts'],
      }),
    ];
    const after = await totals();
    expect(after.calls).toBe(before.calls + 2);
    expect(after.savedTokens).toBe(
      before.savedTokens + calls[0]!.out.ledger.savedTokens + calls[1]!.out.ledger.savedTokens,
    );
    const s = await call('show_status', {});
    expect(s.text).toMatch(
      /Saved by offloading to local models: in all (~[\d.]+k? tokens \(≈ \$[\d.]+\)|nothing — ≈ \$[\d.]+ more spent than doing the work yourself,) over \d+ calls/,
    );
  });
});

describe('an input longer than every context', () => {
  let small: FakeOllama;
  let s: Awaited<ReturnType<typeof connect>>;
  beforeAll(async () => {
    small = await FakeOllama.start({
      memoryBytes: 32e9,
      tokenDelayMs: 1,
      numParallel: 2,
      models: DEFAULT_MODELS.map((m) => ({ ...m, contextLength: 8192 })),
    });
    s = await connect(
      { OLLM_HOME: tempHome(`${YAML}ollama:\n  numParallel: 2\n`), OLLAMA_HOST: small.host },
      [],
      p.root,
    );
    const lines = Array.from(
      { length: 3000 },
      (_, i) =>
        `2026-11-22T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z ` +
        `worker-${i % 7} LINE-${i} handled job ${i * 31} status=${i % 13 === 0 ? 'error' : 'ok'}`,
    );
    writeFileSync(join(p.root, 'logs-big.log'), `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await s?.close().catch(() => undefined);
    await small?.stop();
  });

  it('splits it into parts that each fit num_ctx, sends every part, and returns the combined answer', async () => {
    small.reply((ctx) =>
      /Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL-COMBINED-ANSWER' : 'a partial answer',
    );
    const progress: Array<{ message?: string }> = [];
    const res = await s.client.callTool(
      {
        name: 'route_and_generate',
        arguments: { prompt: 'Summarise the errors in this log.', task: 'summarize', files: ['logs-big.log'] },
      },
      { onprogress: (x) => progress.push(x), timeout: 120_000 },
    );
    const out = res.structuredContent as Out;
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    expect(res.isError, text).toBeFalsy();
    expect(out.inputs!.read[0]!.bytes).toBeGreaterThan(200_000);
    expect(out.text).toBe('FINAL-COMBINED-ANSWER');
    expect(out.split!.parts).toBeGreaterThanOrEqual(8);
    expect(out.split!.calls).toBeGreaterThan(out.split!.parts);
    expect(text).toMatch(new RegExp(`split into ${out.split!.parts} parts`));
    const gens = small.generations();
    for (const g of gens) {
      expect(g.fits, `${g.promptTokens} tokens in num_ctx ${g.numCtx}`).toBe(true);
      expect(g.truncated).toBe(false);
      expect(g.numCtx).toBeLessThanOrEqual(8192);
    }
    // the parts' answers are partial (at most 1,024 tokens each); the combined answer may be as long as
    // asked, within the window
    const bodies = small.requests
      .filter((r) => r.path === '/api/generate')
      .map((r) => r.body as { prompt?: string; options?: { num_predict?: number; num_ctx?: number } });
    const finalCall = bodies.filter((b) => /Combine them into one answer/.test(b.prompt ?? '')).at(-1)!;
    expect(finalCall.options!.num_predict).toBeGreaterThan(1024);
    const partBodies = bodies.filter((x) => /\n\nPart \d+ of \d+ of the input\. Task:/.test(x.prompt ?? ''));
    expect(partBodies).toHaveLength(out.split!.parts);
    for (const b of partBodies) expect(b.options!.num_predict).toBeLessThanOrEqual(1024);
    const seen = gens.map((g) => g.prompt ?? '').join('\n');
    for (let i = 0; i < 3000; i++) expect(seen.includes(`LINE-${i} `), `LINE-${i}`).toBe(true);
    expect(
      progress.some((x) =>
        /reading the input in parts: parts? [\d, ]+ of \d+ running, \d+ of \d+ done/.test(x.message ?? ''),
      ),
    ).toBe(true);
    expect(progress.some((x) => /combining the answers, round 1/.test(x.message ?? ''))).toBe(true);
  });

  it('with a format, the parts answer in text and only the last combination in the schema', async () => {
    small.reply((ctx) =>
      /Combine them into one answer/.test(ctx.prompt ?? '') ? '{"errors": 231}' : 'a partial answer',
    );
    const before = small.requests.length;
    const schema = { type: 'object', properties: { errors: { type: 'integer' } }, required: ['errors'] };
    const res = await s.client.callTool(
      {
        name: 'route_and_generate',
        arguments: {
          prompt: 'Count the errors in this log.',
          task: 'summarize',
          files: ['logs-big.log'],
          format: schema,
        },
      },
      { timeout: 120_000 },
    );
    const out = res.structuredContent as Out & { json?: unknown };
    expect(res.isError, (res.content as Array<{ text: string }>)[0]!.text).toBeFalsy();
    expect(out.split!.parts).toBeGreaterThanOrEqual(8);
    expect(out.json).toEqual({ errors: 231 });
    const bodies = small.requests
      .slice(before)
      .filter((r) => r.path === '/api/generate' && (r.body as { prompt?: string }).prompt)
      .map((r) => r.body as { prompt: string; format?: unknown });
    expect(bodies).toHaveLength(out.split!.calls);
    const formatted = bodies.filter((b) => b.format !== undefined);
    expect(formatted).toHaveLength(1);
    expect(formatted[0]!.format).toEqual(schema);
    expect(formatted[0]!.prompt).toMatch(/Combine them into one answer/);
    expect(
      bodies
        .filter((b) => /\n\nPart \d+ of \d+ of the input\. Task:/.test(b.prompt))
        .every((b) => b.format === undefined),
    ).toBe(true);
  });
});

// issue 42: "Which errors occurred in this log?" is debugging work (a code profile); with general models only
// it was refused whole
describe('a debugging question over a long log, on general models only', () => {
  let general: FakeOllama;
  let g: Awaited<ReturnType<typeof connect>>;
  beforeAll(async () => {
    const only = DEFAULT_MODELS.filter((m) => m.name === 'llama3.2:latest' || m.name === 'phi3:mini').map((m) => ({
      ...m,
      contextLength: 8192,
    }));
    general = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 1, models: only });
    g = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: general.host }, [], p.root);
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 48_000; i++) {
      lines.push(
        `2026-11-22T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z ` +
          `worker-${i % 7} LINE-${i} handled job ${i * 31} status=${i % 13 === 0 ? 'error' : 'ok'}`,
      );
      size += lines.at(-1)!.length + 1;
    }
    writeFileSync(join(p.root, 'logs-48k.log'), `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await g?.close().catch(() => undefined);
    await general?.stop();
  });

  it('is split to a general model and answered', async () => {
    general.reply((ctx) =>
      /Combine them into one answer/.test(ctx.prompt ?? '') ? 'ERRORS-COMBINED' : 'a partial answer',
    );
    const res = await g.client.callTool(
      {
        name: 'route_and_generate',
        arguments: { prompt: 'Which errors occurred in this log?', files: ['logs-48k.log'] },
      },
      { timeout: 120_000 },
    );
    const out = res.structuredContent as Out;
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    expect(res.isError, text).toBeFalsy();
    expect(out.task).toBe('debugging');
    expect(out.text).toBe('ERRORS-COMBINED');
    expect(['llama3.2:latest', 'phi3:mini']).toContain(out.model);
    expect(out.split!.parts).toBeGreaterThan(1);
    expect(general.generations()).toHaveLength(out.split!.calls);
    for (const gen of general.generations())
      expect(gen.fits, `${gen.promptTokens} tokens in num_ctx ${gen.numCtx}`).toBe(true);
  });
});
