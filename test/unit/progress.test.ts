import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settingsSchema } from '../../src/orchestrator/config/schema.js';
import {
  ASSUMED_LOAD_BYTES_PER_SECOND,
  coldLoadEstimates,
  estimateLoadMs,
  loadSpeed,
  loadTimeoutMs,
} from '../../src/orchestrator/loading/load-estimate.js';
import { describePhase, type Phase } from '../../src/orchestrator/progress/phases.js';
import { PhaseTracker, type ProgressUpdate } from '../../src/orchestrator/progress/progress.js';
import { StreamWatch } from '../../src/orchestrator/generation/stream-watch.js';

const GB = 1e9;
const assumed = loadSpeed(0, 0);
const loading = (model: string, sizeBytes = 4.7 * GB): Phase => ({
  kind: 'loading',
  model,
  sizeBytes,
  estimateMs: estimateLoadMs(sizeBytes, assumed),
  speed: assumed,
});
const generating = (model: string, tokens: number): Phase => ({
  kind: 'generating',
  model,
  tokens,
  maxTokens: 100,
  tokensPerSecond: 10,
});

let sent: ProgressUpdate[];
let tracker: PhaseTracker;
beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  tracker = new PhaseTracker((u) => sent.push(u), { intervalMs: 1000, minIntervalMs: 500, now: () => Date.now() });
});
afterEach(() => {
  tracker.close();
  vi.useRealTimers();
});

function expectRising(updates: ProgressUpdate[]) {
  for (let i = 1; i < updates.length; i++) expect(updates[i]!.progress).toBeGreaterThan(updates[i - 1]!.progress);
}

describe('PhaseTracker', () => {
  it('sends a phase at once, then re-sends it at least every intervalMs with the time spent in it', () => {
    tracker.enter({ kind: 'starting', what: 'choosing a model for code work' });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message).toBe('choosing a model for code work');
    tracker.enter(loading('qwen2.5:14b', 9 * GB));
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(3500);
    expect(sent).toHaveLength(5); // heartbeats at 1, 2 and 3 s
    expect(sent[4]!.message).toBe('loading qwen2.5:14b (9.0 GB): ~45 s estimated at an assumed 200.0 MB/s, 3 s so far');
    expect(sent[4]!.total).toBeGreaterThan(sent[4]!.progress); // seconds of the estimate
    expectRising(sent);
  });

  it('never lets progress fall: a fallback to another model starts its tokens from where the call stood', () => {
    tracker.enter(loading('a'));
    vi.advanceTimersByTime(600);
    tracker.enter({ kind: 'evaluating', model: 'a', promptTokens: 40 });
    for (let t = 1; t <= 60; t++) {
      vi.advanceTimersByTime(100);
      tracker.enter(generating('a', t));
    }
    const before = sent.at(-1)!.progress;
    tracker.enter(loading('b')); // a failed mid-answer; b is loaded and starts at token 1
    vi.advanceTimersByTime(2500);
    tracker.enter(generating('b', 1));
    tracker.enter(generating('b', 2));
    expect(sent.at(-1)!.message).toMatch(/^b: 1 token generated/); // the second update came within minIntervalMs
    expect(sent.at(-1)!.progress).toBeGreaterThan(before);
    expectRising(sent);
  });

  it('sends updates within a phase at most every minIntervalMs, and a new phase at once', () => {
    tracker.enter(generating('a', 1));
    for (let t = 2; t <= 20; t++) {
      vi.advanceTimersByTime(50);
      tracker.enter(generating('a', t)); // 20 tokens in ~1 s
    }
    expect(sent.length).toBeLessThanOrEqual(3);
    tracker.enter({ kind: 'queued', model: 'b', ahead: 1 });
    expect(sent.at(-1)!.message).toBe('b: queued behind 1 request on b, 0 s');
  });

  it('shows lanes side by side under a note, and drops a lane when it ends', () => {
    tracker.enter({ kind: 'starting', what: 'comparing a, b' });
    tracker.note('compare, 0 of 2 models done');
    const a = tracker.lane('a');
    const b = tracker.lane('b');
    a.enter(generating('a', 5));
    b.enter({ kind: 'evaluating', model: 'b', promptTokens: 12 });
    expect(sent.at(-1)!.message).toBe(
      'compare, 0 of 2 models done: a: 5 tokens generated, 10 tok/s; b: evaluating the prompt (~12 tokens), 0 s',
    );
    tracker.note('compare, 1 of 2 models done');
    a.end();
    expect(sent.at(-1)!.message).toBe('compare, 1 of 2 models done: b: evaluating the prompt (~12 tokens), 0 s');
    expectRising(sent);
  });

  it('sends nothing after close', () => {
    tracker.enter(loading('a'));
    tracker.close();
    tracker.enter(loading('b'));
    vi.advanceTimersByTime(5000);
    expect(sent).toHaveLength(1);
  });
});

describe('a follow-up waiting on a job (issue 75, finding 11)', () => {
  it("counts the whole wait while the job's own line changes, never a frozen (0 s)", () => {
    for (const line of ['a: 3 tokens generated', 'a: 9 tokens generated', 'a: 15 tokens generated']) {
      tracker.enter({ kind: 'waiting', for: `job job-1: ${line}`, on: 'job job-1' });
      vi.advanceTimersByTime(1200);
    }
    expect(sent.at(-1)!.message).toMatch(/^waiting for job job-1: a: 15 tokens generated \([34] s\)$/);
  });

  // issue 83, finding 7: "waiting for job …: a slot on m: 1 request ahead (22 s) (20 s)"
  it("shows one clock when the job's own line has one: the job's", () => {
    const lines = [
      'waiting for a slot on m: 1 request ahead (22 s)',
      'loading m (4.0 GB): ~9 s estimated at an assumed 200 MB/s, 3 s so far',
      'm: evaluating the prompt (~12 tokens), 4 s',
    ];
    for (const line of lines) {
      tracker.enter({ kind: 'waiting', for: `job job-1: ${line}`, on: 'job job-1' });
      vi.advanceTimersByTime(20_000);
      expect(sent.at(-1)!.message).toBe(`waiting for job job-1: ${line}`);
    }
  });

  it('the other side: waits on different things each start their own clock', () => {
    tracker.enter({ kind: 'waiting', for: 'room on host a' });
    vi.advanceTimersByTime(2200);
    tracker.enter({ kind: 'waiting', for: 'room on host b' });
    expect(sent.at(-1)!.message).toBe('waiting for room on host b (0 s)');
  });
});

describe('phases in words', () => {
  it('names what the work waits for', () => {
    expect(describePhase({ kind: 'waiting', for: "another request's load of llama3.2:latest to finish" }, 3200)).toBe(
      "waiting for another request's load of llama3.2:latest to finish (3 s)",
    );
    expect(describePhase({ kind: 'unloading', models: ['phi3:mini', 'llava:7b'] }, 900)).toBe(
      'unloading phi3:mini, llava:7b to make room (1 s)',
    );
    expect(describePhase({ kind: 'queued', model: 'm', ahead: 2 }, 0)).toBe('m: queued behind 2 requests on m, 0 s');
    expect(describePhase({ kind: 'evaluating', model: 'm', promptTokens: 1 }, 0)).toBe(
      'm: evaluating the prompt (~1 token), 0 s',
    );
    expect(
      describePhase(
        {
          kind: 'pulling',
          model: 'm',
          status: 'pulling 6a07',
          downloading: true,
          completedBytes: 1e9,
          totalBytes: 4e9,
        },
        0,
      ),
    ).toBe('m: pulling 6a07 — 25% (1.0 GB of 4.0 GB)');
    expect(
      describePhase(
        {
          kind: 'pulling',
          model: 'm',
          status: 'verifying sha256 digest',
          downloading: false,
          completedBytes: 4e9,
          totalBytes: 4e9,
        },
        7000,
      ),
    ).toBe('m: verifying sha256 digest (7 s)');
  });
});

describe('load-time estimate', () => {
  it('assumes a speed until enough loading was measured, then uses what was measured', () => {
    // a cached load says nothing
    expect(loadSpeed(5 * GB, 10)).toEqual({ bytesPerSecond: ASSUMED_LOAD_BYTES_PER_SECOND, measured: false });
    const measured = loadSpeed(8 * GB, 20_000);
    expect(measured).toEqual({ bytesPerSecond: 400e6, measured: true });
    expect(estimateLoadMs(9 * GB, measured)).toBe(22_500);
    expect(estimateLoadMs(9 * GB, loadSpeed(0, 0))).toBe(45_000);
    expect(describePhase(loading('m', 4 * GB), 0)).toMatch(/~20 s estimated at an assumed 200\.0 MB\/s/);
  });

  it('estimates only models that must be loaded', () => {
    const models = [
      { name: 'warm', sizeBytes: 9 * GB, loaded: true },
      { name: 'cold', sizeBytes: 9 * GB, loaded: false },
      { name: 'remote-cloud', sizeBytes: 300, loaded: false, cloud: true },
    ];
    expect([...coldLoadEstimates(models, loadSpeed(0, 0))]).toEqual([['cold', 45_000]]);
  });

  it('gives loads a limit that grows with size; the defaults let a 90 s load of any model finish', () => {
    const { ollama } = settingsSchema.parse({});
    expect(loadTimeoutMs(0, ollama)).toBeGreaterThan(90_000);
    expect(loadTimeoutMs(9 * GB, ollama)).toBe(ollama.loadTimeoutMs + 9 * ollama.loadTimeoutMsPerGB);
    expect(loadTimeoutMs(40 * GB, ollama)).toBeGreaterThan(loadTimeoutMs(9 * GB, ollama));
    // the stall limit is not what a load waits on
    expect(ollama.stallTimeoutMs).toBeLessThan(90_000);
  });
});

describe('StreamWatch', () => {
  const watch = (ahead: () => number, phases: Phase[] = []) =>
    new StreamWatch({
      model: 'm',
      stallMs: 1000,
      firstTokenMs: 2000,
      promptTokens: 50,
      maxTokens: 100,
      numParallel: 1,
      ahead,
      pollMs: 100,
      now: () => Date.now(),
      progress: { enter: (p) => phases.push(p) },
    });

  it('does not count time queued behind earlier requests against the first-token limit', () => {
    let ahead = 1;
    const phases: Phase[] = [];
    const w = watch(() => ahead, phases);
    w.start();
    vi.advanceTimersByTime(5000); // queued, well past firstTokenMs
    expect(w.fired).toBeUndefined();
    expect(phases[0]).toEqual({ kind: 'queued', model: 'm', ahead: 1 });
    ahead = 0; // the request ahead finished: Ollama reads this prompt now
    vi.advanceTimersByTime(1500);
    expect(w.fired).toBeUndefined();
    expect(phases.at(-1)).toEqual({ kind: 'evaluating', model: 'm', promptTokens: 50 });
    w.token();
    expect(phases.at(-1)).toMatchObject({ kind: 'generating', tokens: 1 });
    expect(w.queueMs).toBeGreaterThanOrEqual(4900);
    expect(w.timeToFirstTokenMs).toBeLessThanOrEqual(1700);
    w.stop();
  });

  it('stops a prompt that yields no first token, and a stream that goes quiet after its first tokens', () => {
    const slow = watch(() => 0);
    slow.start();
    vi.advanceTimersByTime(2200);
    expect(slow.fired).toBe('first_token');
    expect(slow.signal.aborted).toBe(true);

    const quiet = watch(() => 0);
    quiet.start();
    vi.advanceTimersByTime(1500); // reading the prompt: the stall limit (1 s) does not apply yet
    expect(quiet.fired).toBeUndefined();
    quiet.token();
    vi.advanceTimersByTime(800);
    quiet.token();
    expect(quiet.fired).toBeUndefined();
    vi.advanceTimersByTime(1200);
    expect(quiet.fired).toBe('stall');
  });
});
