/**
 * Every benchmark, by name (`npm run bench -- NAME`), and which of them are the checks of the promises
 * (`npm run bench -- check`, which CI runs on every landing: a goal missed is a red build). A check judges
 * what it measures side by side in one run — ratios and counts against the same scenario run another
 * way, or against the peer — so a busy machine slows both sides and fails neither, or a behaviour
 * against a client's patience (a hand-over, a drop seen, a call served) with room to spare. Not checks:
 * the benches whose goals are times alone (startup, memory's latency, the answer checks' microseconds,
 * http's figures), printed for a person to judge; peer, against the npm peer, until the peer is installed
 * here (clients-memory is a check: without OLLM_BENCH_PEER it skips the peer and judges the median forwarding
 * launch against a bare Node process); and estimate, whose goal (8 of 10 jobs' estimates within 25%) is met at its
 * bound, 7 or 8 of 10 on a busy machine: a coin toss as a check until the estimates it misses are mended
 * (split-eta judges a running job's time left at every step). `alone`: only by name.
 */
import { benchClassify } from './classify.js';
import { benchClientsMemory } from './clients-memory.js';
import { benchSharedStall } from './shared-stall.js';
import { benchRelayTurn } from './relay-turn.js';
import { benchCompare } from './compare.js';
import { benchEstimate } from './estimate.js';
import { benchSplitEta } from './split-eta.js';
import { benchSplitPace } from './split-pace.js';
import { benchLongCall } from './long-call.js';
import { benchTeam } from './team.js';
import { benchRush } from './rush.js';
import { benchFifty } from './fifty.js';
import { benchFirstCall } from './first-call.js';
import { benchHostile } from './hostile.js';
import { benchHttp } from './http.js';
import { benchHttpDrop } from './http-drop.js';
import { benchInputs } from './inputs.js';
import { benchLearning } from './learning.js';
import { benchLearningReplay } from './learning-replay.js';
import { benchLearningVerdicts } from './learning-verdicts.js';
import { benchMemory } from './memory.js';
import { benchOffload } from './offload.js';
import { benchOffloadSplit } from './offload-split.js';
import { benchFootprint } from './footprint.js';
import { benchAnswerChecks } from './answer-checks.js';
import { benchOverhead } from './overhead.js';
import { benchBook } from './book.js';
import { benchPeer } from './peer.js';
import { benchPrefix } from './prefix.js';
import { benchOracle } from './oracle.js';
import { benchHot } from './hot.js';
import { benchShared } from './shared.js';
import { benchSoak } from './soak.js';
import { benchBeside, benchFair } from './fair.js';
import { benchStartup } from './startup.js';
import { benchTrace } from './trace.js';
import { benchTraceFleet } from './trace-fleet.js';

export interface BenchResult {
  ok: boolean;
  lines: string[];
}

export interface Bench {
  name: string;
  run: () => Promise<BenchResult>;
  /** Only run when named. */
  alone?: boolean;
  /** One of the checks `npm run bench -- check` runs. */
  check?: boolean;
}

/** Runs `parts` one after the other, as one bench: ok when each is. */
const together =
  (...parts: Array<() => Promise<BenchResult>>) =>
  async (): Promise<BenchResult> => {
    const done: BenchResult[] = [];
    for (const part of parts) done.push(await part());
    return { ok: done.every((p) => p.ok), lines: done.flatMap((p) => p.lines) };
  };

export const BENCHES: Bench[] = [
  { name: 'footprint', run: benchFootprint, check: true },
  { name: 'answer-checks', run: benchAnswerChecks },
  { name: 'startup', run: benchStartup },
  { name: 'first-call', run: benchFirstCall, check: true },
  { name: 'overhead', run: benchOverhead, check: true },
  { name: 'book', run: benchBook, check: true },
  { name: 'trace', run: benchTrace, check: true },
  { name: 'trace-fleet', run: benchTraceFleet, check: true },
  { name: 'compare', run: benchCompare, check: true },
  { name: 'memory', run: benchMemory },
  { name: 'http', run: benchHttp },
  { name: 'http-drop', run: benchHttpDrop, check: true },
  { name: 'classify', run: benchClassify, check: true },
  { name: 'learning', run: together(benchLearning, benchLearningReplay, benchLearningVerdicts), check: true },
  { name: 'offload', run: together(benchOffload, benchOffloadSplit), check: true },
  { name: 'offload-split', run: benchOffloadSplit, alone: true }, // part of offload; by name, it runs alone
  { name: 'peer', run: benchPeer },
  { name: 'clients-memory', run: benchClientsMemory, check: true },
  { name: 'shared-stall', run: benchSharedStall, check: true },
  { name: 'relay-turn', run: benchRelayTurn, check: true },
  { name: 'hostile', run: benchHostile, check: true },
  { name: 'inputs', run: benchInputs, check: true },
  { name: 'shared', run: benchShared, check: true },
  { name: 'fair', run: benchFair, check: true },
  { name: 'beside', run: benchBeside, check: true },
  { name: 'estimate', run: benchEstimate },
  { name: 'split-eta', run: benchSplitEta, check: true },
  { name: 'split-pace', run: benchSplitPace, check: true },
  { name: 'long-call', run: benchLongCall, check: true },
  { name: 'team', run: benchTeam, check: true },
  { name: 'prefix', run: benchPrefix, check: true },
  { name: 'oracle', run: benchOracle, check: true },
  { name: 'hot', run: benchHot, check: true },
  { name: 'soak', run: benchSoak, check: true },
  { name: 'rush', run: benchRush, check: true },
  { name: 'fifty', run: benchFifty, check: true },
  // issue 64's figures in one run: with OLLM_BENCH_BASE=<another build's dist/cli.js>, each beside that build's
  { name: 'fleet', alone: true, run: together(benchPrefix, benchHot, benchBeside, benchTeam) },
];
