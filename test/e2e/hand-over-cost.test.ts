// What a hand-over costs the agent (issue 62), as the official client sees it over stdio here and
// over Streamable HTTP in the slow-http project: a client that waits 8 s (agents.bench-agent
// .timeoutSeconds: hand-over at 3 s) offloads a ~48 KB log by path that qwen2.5:14b reads in 5
// parts, ~15 s in all. The call is handed over with the job's state only — never a part's answer —
// as is the same call again and each show_status {job} while it runs; the last one returns the whole
// result once, and asking again then returns a note, not the result again. The engine is asked once
// per part. Progress arrives while each call waits; a task's status and ollm://jobs/{id} move as
// the parts are done; the ledger counts what the hand-overs cost.
import { Client, specTypeSchemas } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { FAIR_YAML, fairModels } from '../helpers/fair.js';
import {
  ask,
  FINAL_MARK,
  fewestNotifications,
  jobResource,
  logProject,
  PART_MARK,
  splitReply,
  finalAnswer,
  PART_WORD,
  strayProgress,
  type Answer,
} from '../helpers/hand-over.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';

const YAML =
  `${FAIR_YAML}savings:\n  inputPerMillion: 3\n  outputPerMillion: 15\nagents:\n  ` +
  `bench-agent:\n    timeoutSeconds: 8\n`;
const ARGS = { prompt: 'Which errors occurred in this log?', files: ['logs/app.log'], model: 'qwen2.5:14b' };
const FINAL_WORDS = 30;

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;
/** The plain handed-over job of the first test, whose kept result a task's is compared with. */
let plainJob: string | undefined;
/** Progress notifications that came after their call was answered. */
let wire: ReturnType<typeof strayProgress>;

beforeAll(async () => {
  // qwen2.5:14b writes a token every 150 ms: 5 parts of 13 tokens, then a combination of 31
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 1, models: fairModels(150) });
  fake.reply(splitReply(12, FINAL_WORDS));
  const home = tempHome(YAML);
  session = await connect(
    { OLLM_HOME: home, OLLAMA_HOST: fake.host },
    [],
    logProject(home),
    new Client({ name: 'bench-agent', version: '1.0.0' }),
  );
  wire = strayProgress(session.client);
});
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
});

/** Which part each generation since `from` read ('combine' for a combining round). */
const partsAsked = (from: number) =>
  fake
    .generations()
    .slice(from)
    .map((g) => /Part (\d+) of \d+ of the input/.exec(g.prompt ?? '')?.[1] ?? 'combine');

/** The savings totals of ollm://metrics. */
type Totals = { calls: number; savedTokens: number };
async function savedInAll(): Promise<Totals> {
  const res = await session.client.readResource({ uri: 'ollm://metrics' });
  return (JSON.parse((res.contents[0] as { text: string }).text) as { savings: { total: Totals } }).savings.total;
}

type Ledger = { call: { in: number; out: number }; self: { in: number; out: number }; savedTokens: number };

/** A hand-over or a running job's show_status: the job's state, and no part's answer anywhere. */
function expectStateOnly(a: Answer, id?: string): string {
  expect(a.isError, a.text).toBe(false);
  const job = a.structured.job;
  expect(job).toMatchObject({
    id: id ?? expect.stringMatching(/^job-[0-9a-f]{8}$/),
    state: 'running',
    partsDone: expect.any(Number),
    updatedAt: expect.any(String),
  });
  expect(Number.isNaN(Date.parse(job!.updatedAt))).toBe(false);
  expect(a.structured).not.toHaveProperty('model');
  expect(a.structured).not.toHaveProperty('metrics');
  expect(a.structured).not.toHaveProperty('result');
  for (const seen of [a.text, JSON.stringify(a.structured)])
    expect(seen).not.toMatch(new RegExp(`${PART_MARK}|${FINAL_MARK}|\\b${PART_WORD}a\\b`));
  expect(a.text).toContain(`show_status with {"job":"${job!.id}"}`);
  return job!.id;
}

/** Each wait brought progress: at least one notification every 10 s of it, counted. */
function expectProgress(waits: Answer[]) {
  for (const w of waits)
    expect(
      w.progress.length,
      `${w.progress.length} notifications over ${w.seconds.toFixed(1)} s`,
    ).toBeGreaterThanOrEqual(fewestNotifications(w.seconds));
}

/**
 * show_status {job: id} asked until it returns the job done (each answer before that state only): every
 * answer, the last the whole result.
 */
async function collect(id: string, waits: Answer[]): Promise<{ waits: Answer[]; whole: Answer }> {
  for (let i = 0; i < 20; i++) {
    const s = await ask(session.client, 'show_status', { job: id });
    waits.push(s);
    if (s.structured.job?.state === 'done') return { waits, whole: s };
    expectStateOnly(s, id);
  }
  throw new Error(`show_status {job} never returned job ${id} done`);
}

type Routed = { text: string; model: string; split: { parts: number; calls: number }; ledger: Ledger };

/** The whole result, as route_and_generate would have answered it, and as ollm://jobs/{id} keeps it. */
async function expectWhole(whole: Answer, id: string): Promise<Routed> {
  expect(whole.isError, whole.text).toBe(false);
  expect(whole.structured.job).toMatchObject({ id, state: 'done' });
  const result = whole.structured.result as unknown as Routed;
  expect(result.text).toBe(finalAnswer(FINAL_WORDS));
  expect(result.model).toBe('qwen2.5:14b');
  expect(whole.text.startsWith(`${result.text}\n`)).toBe(true);
  expect(whole.text).toMatch(/— qwen2\.5:14b: \d+ tokens in [\d.]+ s/);
  expect(whole.text).toMatch(/\nRead 1 input: logs\/app\.log/);
  expect(whole.text).not.toContain(PART_MARK);
  const kept = (await jobResource(session.client, id)) as {
    state: string;
    result: { text: string; structured: unknown };
  };
  expect(kept.state).toBe('done');
  expect(kept.result.text).toBe(whole.text);
  expect(kept.result.structured).toEqual(result);
  return result;
}

/**
 * The ledger: what each hand-over and follow-up cost the agent — the state it read, the arguments
 * it wrote — counted against the saving, in the whole result's line and in ollm://metrics.
 */
function expectNetLedger(whole: Answer, waits: Answer[], totals: { before: Totals; after: Totals }) {
  const { ledger } = whole.structured.result as unknown as Routed;
  const id = whole.structured.job!.id;
  const body = whole.text.slice(0, whole.text.lastIndexOf('\n'));
  // the last call's saving alone, as offload-io.ts prices it
  const own = ledger.self.in + ledger.self.out - (estimateTokens(body) + 40) - estimateTokens(JSON.stringify(ARGS));
  const states = waits.filter((w) => w !== whole).reduce((n, w) => n + estimateTokens(w.text), 0);
  const followUps =
    estimateTokens(JSON.stringify(ARGS)) + (waits.length - 2) * estimateTokens(JSON.stringify({ job: id }));
  expect(whole.text.split('\n').at(-1)).toMatch(
    /^((Saved you|About even) .*: this|This) job with its hand-overs cost you/,
  );
  expect(ledger.savedTokens).toBeLessThanOrEqual(own - states);
  const saved = totals.after.savedTokens - totals.before.savedTokens;
  expect(totals.after.calls).toBe(totals.before.calls + 1); // a hand-over is no call of its own
  expect(saved).toBeLessThanOrEqual(own - states);
  // exactly: the follow-ups' arguments too — the same call attached again wrote its arguments again (soft:
  // the checks after it still run)
  expect.soft(saved, 'every follow-up call’s arguments counted').toBe(own - states - followUps);
}

describe('a call that outlasts an 8 s client', () => {
  it('ends in time: the whole answer at once, no job', async () => {
    const a = await ask(session.client, 'route_and_generate', { prompt: 'Say hello to the team.', model: 'phi3:mini' });
    expect(a.isError, a.text).toBe(false);
    expect(a.structured).not.toHaveProperty('job');
    expect(a.structured.text).toBe('QUICK-ANSWER');
    expect(a.text).toMatch(/^QUICK-ANSWER\n/);
  });

  it(
    'is handed over with its state only, collected whole by show_status {job} once, the engine asked once per part',
    { timeout: 90_000 },
    async () => {
      const from = fake.generations().length;
      const before = await savedInAll();
      const first = await ask(session.client, 'route_and_generate', ARGS);
      const id = expectStateOnly(first);
      expect(first.text).toMatch(new RegExp(`^Handed over as job ${id}, still running`));
      // the same call while it runs attaches to the job: state only, no engine request of its own
      const again = await ask(session.client, 'route_and_generate', ARGS);
      expectStateOnly(again, id);
      const { waits, whole } = await collect(id, [first, again]);
      const after = await savedInAll();
      expect(waits.length).toBeGreaterThan(3); // at least one show_status answered while the job still ran
      expectProgress(waits);
      const result = await expectWhole(whole, id);
      plainJob = id;

      // the engine: each part once, then the combining round — split.calls requests in all
      const asked = partsAsked(from);
      expect(asked).toHaveLength(result.split.calls);
      const parts = asked.filter((p) => p !== 'combine');
      expect(new Set(parts).size).toBe(result.split.parts);
      expect(parts).toHaveLength(result.split.parts);
      expect(result.split.parts).toBeGreaterThanOrEqual(4);
      // what the agent read until it had the result: the answer once, and short notes
      expect(waits.reduce((n, w) => n + w.text.length, 0)).toBeLessThanOrEqual(2 * whole.text.length + 4000);
      expectNetLedger(whole, waits, { before, after });

      // asked again: a note of it, not the whole result again
      const note = await ask(session.client, 'show_status', { job: id });
      expect(note.isError, note.text).toBe(false);
      expect(note.text).not.toContain(FINAL_MARK);
      expect(note.text).toContain(`ollm://jobs/${id}`);
      expect(note.text.length).toBeLessThan(whole.text.length);
      // the same call again returns the kept result, never asking the engine again
      const repeat = await ask(session.client, 'route_and_generate', ARGS);
      expect(repeat.isError, repeat.text).toBe(false);
      expect(repeat.text).toContain(result.text);
      expect(partsAsked(from)).toHaveLength(result.split.calls);
      // both cost the agent what it read and wrote, counted as they came (soft: the checks after it still run)
      const last = await savedInAll();
      const askedAgain =
        estimateTokens(note.text) +
        estimateTokens(JSON.stringify({ job: id })) +
        estimateTokens(repeat.text) +
        estimateTokens(JSON.stringify(ARGS));
      expect.soft(after.savedTokens - last.savedTokens, 'the note and the repeated call counted').toBe(askedAgain);
      // the job ran on past each hand-over, but no call heard of it after its answer
      expect(wire.progress).toBeGreaterThan(0); // the watch is on the wire
      expect(wire.strays, wire.strays.join('\n')).toEqual([]);
    },
  );

  it('show_status {job} of an id that is not one of yours is an error saying where your jobs are', async () => {
    const a = await ask(session.client, 'show_status', { job: 'job-00000000' });
    expect(a.isError).toBe(true);
    expect(a.text).toMatch(/^No job job-00000000 of yours.*show_status lists your jobs/s);
  });
});

const callAsTask = (c: Client, params: object) =>
  c.request({ method: 'tools/call', params: { ...params, task: { ttl: 120_000 } } }, specTypeSchemas.CreateTaskResult);
const getTask = (c: Client, taskId: string) =>
  c.request({ method: 'tasks/get', params: { taskId } }, specTypeSchemas.GetTaskResult);
const taskResult = (c: Client, taskId: string) =>
  c.request({ method: 'tasks/result', params: { taskId } }, specTypeSchemas.CallToolResult, { timeout: 120_000 });

describe('a split job run as a task', () => {
  it(
    'tasks/get says how far it is, moving as parts are done (no progress token); ' +
      'ollm://jobs/{id} moves; its result is kept in the plain job’s shape',
    { timeout: 90_000 },
    async () => {
      const args = { ...ARGS, prompt: 'Which warnings occurred in this log?' };
      const { task } = await callAsTask(session.client, { name: 'route_and_generate', arguments: args });
      const messages: string[] = [];
      const seen: Array<{ partsDone: number; partsTotal?: number; updatedAt: string }> = [];
      // polled while it works, as a client without a progress token would
      for (
        let now = await getTask(session.client, task.taskId);
        now.status === 'working';
        now = await getTask(session.client, task.taskId)
      ) {
        if (now.statusMessage) messages.push(now.statusMessage);
        const r = (await jobResource(session.client, task.taskId)) as {
          state: string;
          partsDone: number;
          partsTotal?: number;
          updatedAt: string;
        };
        if (r.state === 'running') seen.push(r);
        await new Promise((r) => setTimeout(r, 400));
      }
      // the status message changes with the parts done, rising
      expect(new Set(messages).size).toBeGreaterThanOrEqual(3);
      const done = messages
        .map((m) => Number(/(\d+) of \d+ parts done/.exec(m)?.[1] ?? Number.NaN))
        .filter((n) => !Number.isNaN(n));
      expect(done.length).toBeGreaterThan(0);
      for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThanOrEqual(done[i - 1]!);
      expect(done.at(-1)!).toBeGreaterThan(done[0]!);
      // the job's handle moves too
      const partsDone = seen.map((r) => r.partsDone);
      for (let i = 1; i < partsDone.length; i++) expect(partsDone[i]).toBeGreaterThanOrEqual(partsDone[i - 1]!);
      expect(Math.max(...partsDone)).toBeGreaterThan(Math.min(...partsDone));
      // how many parts in all, once it is split, and the same from then on
      const totals = seen.flatMap((r) => (r.partsTotal === undefined ? [] : [r.partsTotal]));
      expect(totals.length).toBeGreaterThan(0);
      expect(new Set(totals).size).toBe(1);
      expect(totals[0]).toBeGreaterThanOrEqual(4);
      expect(new Set(seen.map((r) => r.updatedAt)).size).toBeGreaterThanOrEqual(3);

      const result = await taskResult(session.client, task.taskId);
      expect(result.isError).not.toBe(true);
      const kept = (await jobResource(session.client, task.taskId)) as {
        result: { text: string; structured: Record<string, unknown> };
      };
      expect(kept.result.text).toBe((result.content as Array<{ text: string }>)[0]!.text);
      expect(kept.result.structured).toEqual(result.structuredContent);
      // one shape whether it ran as a task or was handed over
      expect(plainJob, 'the hand-over test kept no job').toBeDefined();
      const plain = (await jobResource(session.client, plainJob!)) as {
        result: { text: string; structured: Record<string, unknown> };
      };
      expect(Object.keys(kept.result).sort()).toEqual(Object.keys(plain.result).sort());
      expect(Object.keys(kept.result.structured).sort()).toEqual(Object.keys(plain.result.structured).sort());
    },
  );
});
