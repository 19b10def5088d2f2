/**
 * The guard modules `npm run mutate` (scripts/mutate.mjs) mutates, each with the tests that prove
 * it; vitest.mutate.config.ts runs all of these tests when Stryker is started by hand.
 */
const unit = (...names) => names.map((n) => `test/unit/${n}.test.ts`);
const integration = (...names) => names.map((n) => `test/integration/${n}.test.ts`);

/** Each guard module and the tests that prove it. */
export const MODULES = [
  {
    name: 'http-guard',
    file: 'src/server/http-guard.ts',
    tests: unit('http-guard', 'http-tokens', 'bounds', 'stream-owner'),
  },
  { name: 'http-tokens', file: 'src/server/http-tokens.ts', tests: unit('http-tokens') },
  { name: 'secrets', file: 'src/orchestrator/inputs/secrets.ts', tests: unit('inputs-content') },
  {
    name: 'redact-secrets',
    file: 'src/orchestrator/util/redact-secrets.ts',
    tests: [...unit('redact-secrets'), ...integration('engine-secrets')],
  },
  {
    name: 'configured-secrets',
    file: 'src/orchestrator/config/secrets.ts',
    tests: unit('redact-secrets', 'http-tokens'),
  },
  { name: 'arg-bounds', file: 'src/tools/arg-bounds.ts', tests: unit('arg-bounds', 'bounds') },
  {
    name: 'scope',
    file: 'src/orchestrator/inputs/scope.ts',
    tests: [...unit('inputs-content'), ...integration('scope', 'inputs', 'diff-privacy')],
  },
  {
    name: 'broad-folders',
    file: 'src/orchestrator/inputs/broad-folders.ts',
    tests: [...unit('broad-folders'), ...integration('scope')],
  },
  {
    name: 'content',
    file: 'src/orchestrator/inputs/content.ts',
    tests: [...unit('content-kinds', 'inputs-content', 'bounded-reads'), ...integration('inputs')],
  },
  {
    name: 'files',
    file: 'src/orchestrator/inputs/files.ts',
    tests: [...unit('bounded-reads'), ...integration('file-reads', 'inputs', 'inputs-race')],
  },
  {
    name: 'diff',
    file: 'src/orchestrator/inputs/diff.ts',
    tests: [...unit('diff-list'), ...integration('diff-reads', 'diff-privacy', 'inputs')],
  },
  { name: 'invalid-args', file: 'src/tools/invalid-args.ts', tests: unit('invalid-args', 'bounds', 'arg-bounds') },
  {
    name: 'planner',
    file: 'src/orchestrator/loading/planner.ts',
    tests: unit('planner', 'planner-choices', 'admission-rules', 'fit', 'learned-size', 'usable-window'),
  },
  {
    name: 'admission',
    file: 'src/orchestrator/loading/admission.ts',
    tests: unit('planner', 'planner-choices', 'admission-rules', 'fit', 'learned-size', 'usable-window', 'kv-cache'),
  },
  {
    name: 'kv-cache',
    file: 'src/orchestrator/loading/kv-cache.ts',
    tests: [...unit('kv-cache'), ...integration('kv-cache')],
  },
  {
    name: 'ollama-preflight',
    file: 'src/orchestrator/loading/ollama-preflight.ts',
    tests: [...unit('kv-cache'), ...integration('kv-cache')],
  },
  { name: 'ollama-env', file: 'src/orchestrator/config/ollama-env.ts', tests: unit('kv-cache-settings') },
  {
    name: 'plausible-size',
    file: 'src/orchestrator/loading/plausible-size.ts',
    tests: [...unit('plausible-size', 'learned-size'), ...integration('learned-memory')],
  },
  {
    name: 'doctor-learned',
    file: 'src/orchestrator/doctor-learned.ts',
    tests: [...unit('plausible-size'), ...integration('doctor-memory')],
  },
  {
    name: 'ledger',
    file: 'src/orchestrator/savings/ledger.ts',
    tests: [...unit('ledger'), ...integration('savings-store')],
  },
  { name: 'pull', file: 'src/orchestrator/models/pull.ts', tests: unit('puller') },
  { name: 'create-check', file: 'src/orchestrator/models/create-check.ts', tests: unit('create-check') },
  {
    name: 'create-job',
    file: 'src/orchestrator/jobs/create.ts',
    tests: integration('create-model', 'create-replace-busy'),
  },
  { name: 'origins', file: 'src/orchestrator/inputs/origins.ts', tests: unit('origins') },
  { name: 'fingerprint', file: 'src/orchestrator/inputs/fingerprint.ts', tests: unit('fingerprint', 'origins') },
  { name: 'fingerprint-table', file: 'src/orchestrator/inputs/fingerprint-table.ts', tests: unit('origins') },
  { name: 'event-store', file: 'src/server/event-store.ts', tests: unit('event-store') },
  { name: 'kept-events', file: 'src/server/kept-events.ts', tests: unit('event-store', 'event-store-release') },
  { name: 'event-eviction', file: 'src/server/event-eviction.ts', tests: unit('event-eviction', 'event-store') },
  { name: 'stream-owner', file: 'src/server/stream-owner.ts', tests: unit('stream-owner') },
  { name: 'resume-grace', file: 'src/server/resume-grace.ts', tests: unit('resume-grace') },
  {
    name: 'agents',
    file: 'src/orchestrator/config/agents.ts',
    tests: unit('agents-settings', 'session-names', 'self-named-agent', 'relayed-agent'),
  },
  {
    name: 'agents-schema',
    file: 'src/orchestrator/config/agents-schema.ts',
    tests: unit('agents-settings', 'http-tokens', 'settings-schema', 'client-limits'),
  },
  { name: 'session-names', file: 'src/server/session-names.ts', tests: unit('session-names') },
  {
    name: 'stream-watch',
    file: 'src/orchestrator/generation/stream-watch.ts',
    tests: unit('stream-watch', 'progress'),
  },
  { name: 'answer-format', file: 'src/orchestrator/generation/answer-format.ts', tests: unit('answer-format') },
  { name: 'backup-target', file: 'src/orchestrator/storage/backup-target.ts', tests: integration('backup-target') },
  { name: 'degenerate', file: 'src/orchestrator/generation/degenerate.ts', tests: unit('degenerate', 'given-run') },
  {
    name: 'given-repeat',
    file: 'src/orchestrator/generation/given-repeat.ts',
    tests: unit('given-repeat', 'degenerate', 'given-run'),
  },
  {
    name: 'context-limit',
    file: 'src/orchestrator/engines/openai/context-limit.ts',
    tests: [...unit('openai-context-limit'), ...integration('openai-backend')],
  },
  {
    name: 'openai-windows',
    file: 'src/orchestrator/engines/openai/openai-windows.ts',
    tests: unit('openai-context-limit'),
  },
  { name: 'citations', file: 'src/orchestrator/inputs/citations.ts', tests: unit('citations', 'citations-diff') },
  {
    name: 'citation-lines',
    file: 'src/orchestrator/inputs/citation-lines.ts',
    tests: unit('citations', 'citations-diff'),
  },
  { name: 'diff-lines', file: 'src/orchestrator/inputs/diff-lines.ts', tests: unit('citations-diff', 'diff-lines') },
  { name: 'token-answer', file: 'src/orchestrator/engines/llamacpp/token-answer.ts', tests: unit('token-answer') },
  {
    name: 'llamacpp-tokenize',
    file: 'src/orchestrator/engines/llamacpp/llamacpp-tokenize.ts',
    tests: integration('llamacpp-tokenize'),
  },
  {
    name: 'llamacpp-calls',
    file: 'src/orchestrator/engines/llamacpp/llamacpp-calls.ts',
    tests: [...unit('llamacpp-sleep', 'llamacpp-calls'), ...integration('llamacpp', 'llamacpp-sleep')],
  },
  {
    name: 'llamacpp-answers',
    file: 'src/orchestrator/engines/llamacpp/llamacpp-answers.ts',
    tests: [...unit('llamacpp', 'llamacpp-sleep', 'llamacpp-answers'), ...integration('llamacpp-sleep')],
  },
  { name: 'engine-tokens', file: 'src/orchestrator/engines/engine-tokens.ts', tests: unit('engine-tokens') },
  { name: 'shared-place', file: 'src/server/shared/place.ts', tests: unit('shared-place') },
  { name: 'shared-hello', file: 'src/server/shared/hello.ts', tests: unit('shared-hello') },
  { name: 'shared-lock', file: 'src/server/shared/lock.ts', tests: unit('shared-lock') },
  {
    name: 'engine-claims',
    file: 'src/server/shared/engine-claims.ts',
    tests: [...unit('engine-claims'), ...integration('engine-claims-races')],
  },
  {
    name: 'claim-proof',
    file: 'src/server/shared/claim-proof.ts',
    tests: [...unit('engine-claims'), ...integration('engine-claims-races')],
  },
  {
    name: 'claim-record',
    file: 'src/server/shared/claim-record.ts',
    tests: [...unit('engine-claims'), ...integration('engine-claims-races')],
  },
  { name: 'schedule', file: 'src/orchestrator/generation/schedule.ts', tests: unit('schedule') },
  {
    name: 'shared-lines',
    file: 'src/server/shared/lines.ts',
    tests: [...unit('shared-lines', 'shared-hello'), ...integration('shared-forward')],
  },
  {
    name: 'shared-stall',
    file: 'src/server/shared/stall.ts',
    tests: [...unit('shared-stall'), ...integration('shared-forward')],
  },
  { name: 'limit-fit', file: 'src/orchestrator/generation/limit-fit.ts', tests: unit('limit-fit') },
  { name: 'task-shapes', file: 'src/server/task-shapes.ts', tests: unit('task-shapes') },
  { name: 'others-load', file: 'src/orchestrator/fleet/others-load.ts', tests: unit('engine-load', 'others-load') },
  {
    name: 'load-figures',
    file: 'src/orchestrator/engines/load-figures.ts',
    tests: unit('engine-load', 'load-figures'),
  },
  {
    name: 'ollm-answers',
    file: 'src/orchestrator/engines/ollm/ollm-answers.ts',
    tests: unit('ollm-answers', 'ollm-fit', 'ollm-answers-bounds'),
  },
  {
    name: 'ollm-schemas',
    file: 'src/orchestrator/engines/ollm/ollm-schemas.ts',
    tests: unit('ollm-answers', 'ollm-fit', 'ollm-answers-bounds'),
  },
];
