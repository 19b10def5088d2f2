/** `npm run bench`: runs every benchmark and prints its figures. Exit code 1 when a goal is missed. */
import { benchClassify } from './classify.js';
import { benchClientsMemory } from './clients-memory.js';
import { benchSharedStall } from './shared-stall.js';
import { benchRelayTurn } from './relay-turn.js';
import { benchCompare } from './compare.js';
import { benchEstimate } from './estimate.js';
import { benchSplitEta } from './split-eta.js';
import { benchLongCall } from './long-call.js';
import { benchTeam } from './team.js';
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
import { removeTempDirs, shortTempDir, tempDir } from '../test/helpers/temp.js';
import { keepHeapSmall } from '../src/server/lifecycle.js';

// The benchmarks drive the core in this process: its memory-check lines would drown the figures.
process.env.OLLM_LOG_LEVEL ??= 'warn';
// ...and under the V8 flags a serving process sets (lifecycle.ts), so its figures are the server's.
keepHeapSmall();
// What the servers make in their temporary folder (an engine's claim in its socket folder) goes with the run, as in the tests.
process.env.OLLM_TEST_TMPDIR ??= tempDir('ollm-bench-tmp-');
// ...and where its processes meet (the shared servers' sockets, the engines' claims): folders of the run, short,
// never the machine's runtime folder or /tmp (src/server/shared/rendezvous.ts)
process.env.OLLM_TEST_RUNTIME_DIR ??= shortTempDir('ollm-bench-rt-');
process.env.OLLM_TEST_LAST_RESORT ??= shortTempDir('ollm-bench-lr-');
const only = process.argv[2];
const benches = [
  { name: 'footprint', run: benchFootprint },
  { name: 'answer-checks', run: benchAnswerChecks },
  { name: 'startup', run: benchStartup },
  { name: 'overhead', run: benchOverhead },
  { name: 'trace', run: benchTrace },
  { name: 'trace-fleet', run: benchTraceFleet },
  { name: 'compare', run: benchCompare },
  { name: 'memory', run: benchMemory },
  { name: 'http', run: benchHttp },
  { name: 'http-drop', run: benchHttpDrop },
  { name: 'classify', run: benchClassify },
  {
    name: 'learning',
    run: async () => {
      const [a, b, c] = [await benchLearning(), await benchLearningReplay(), await benchLearningVerdicts()];
      return { ok: a.ok && b.ok && c.ok, lines: [...a.lines, ...b.lines, ...c.lines] };
    },
  },
  {
    name: 'offload',
    run: async () => {
      const [a, b] = [await benchOffload(), await benchOffloadSplit()];
      return { ok: a.ok && b.ok, lines: [...a.lines, ...b.lines] };
    },
  },
  { name: 'offload-split', run: benchOffloadSplit, alone: true }, // part of offload; by name, it runs alone
  { name: 'peer', run: benchPeer },
  { name: 'clients-memory', run: benchClientsMemory },
  { name: 'shared-stall', run: benchSharedStall },
  { name: 'relay-turn', run: benchRelayTurn },
  { name: 'hostile', run: benchHostile },
  { name: 'inputs', run: benchInputs },
  { name: 'shared', run: benchShared },
  { name: 'fair', run: benchFair },
  { name: 'beside', run: benchBeside },
  { name: 'estimate', run: benchEstimate },
  { name: 'split-eta', run: benchSplitEta },
  { name: 'long-call', run: benchLongCall },
  { name: 'team', run: benchTeam },
  { name: 'prefix', run: benchPrefix },
  { name: 'oracle', run: benchOracle },
  { name: 'hot', run: benchHot },
  { name: 'soak', run: benchSoak },
  {
    // issue 64's figures in one run: with OLLM_BENCH_BASE=<another build's dist/cli.js>, each beside that build's
    name: 'fleet',
    alone: true,
    run: async () => {
      const parts = [await benchPrefix(), await benchHot(), await benchBeside(), await benchTeam()];
      return { ok: parts.every((p) => p.ok), lines: parts.flatMap((p) => p.lines) };
    },
  },
].filter((b) => (only ? b.name === only : !('alone' in b)));

let allOk = true;
try {
  for (const b of benches) {
    const { ok, lines } = await b.run();
    for (const line of lines) process.stdout.write(`${line}\n`);
    allOk &&= ok;
  }
} finally {
  await removeTempDirs(); // the settings folders the benchmarks made
}
// Exit now: a kept-alive connection to a stopped fake would otherwise hold the process open.
process.stdout.write('', () => process.exit(allOk ? 0 : 1)); // after the figures are written out
