/**
 * The guard modules `npm run mutate` (scripts/mutate.mjs) mutates, each with the tests that prove
 * it; vitest.mutate.config.ts runs all of these tests when Stryker is started by hand.
 */
const unit = (...names) => names.map((n) => `test/unit/${n}.test.ts`);
const integration = (...names) => names.map((n) => `test/integration/${n}.test.ts`);

/** Each guard module and the tests that prove it. */
export const MODULES = [
  { name: 'http-guard', file: 'src/server/http-guard.ts', tests: unit('http-guard', 'bounds', 'stream-owner') },
  { name: 'secrets', file: 'src/orchestrator/inputs/secrets.ts', tests: unit('inputs-content') },
  { name: 'redact-secrets', file: 'src/orchestrator/util/redact-secrets.ts', tests: [...unit('redact-secrets'), ...integration('engine-secrets')] },
  { name: 'configured-secrets', file: 'src/orchestrator/config/secrets.ts', tests: unit('redact-secrets') },
  { name: 'arg-bounds', file: 'src/tools/arg-bounds.ts', tests: unit('arg-bounds', 'bounds') },
  { name: 'scope', file: 'src/orchestrator/inputs/scope.ts', tests: [...unit('inputs-content'), ...integration('scope', 'inputs', 'diff-privacy')] },
  { name: 'content', file: 'src/orchestrator/inputs/content.ts', tests: [...unit('content-kinds', 'inputs-content', 'bounded-reads'), ...integration('inputs')] },
  { name: 'files', file: 'src/orchestrator/inputs/files.ts', tests: [...unit('bounded-reads'), ...integration('file-reads', 'inputs', 'inputs-race')] },
  { name: 'diff', file: 'src/orchestrator/inputs/diff.ts', tests: [...unit('diff-list'), ...integration('diff-reads', 'diff-privacy', 'inputs')] },
  { name: 'invalid-args', file: 'src/tools/invalid-args.ts', tests: unit('invalid-args', 'bounds', 'arg-bounds') },
  { name: 'planner', file: 'src/orchestrator/loading/planner.ts', tests: unit('planner', 'planner-choices', 'admission-rules', 'fit', 'learned-size', 'usable-window') },
  { name: 'admission', file: 'src/orchestrator/loading/admission.ts', tests: unit('planner', 'planner-choices', 'admission-rules', 'fit', 'learned-size', 'usable-window', 'kv-cache') },
  { name: 'kv-cache', file: 'src/orchestrator/loading/kv-cache.ts', tests: [...unit('kv-cache'), ...integration('kv-cache')] },
  { name: 'ollama-preflight', file: 'src/orchestrator/loading/ollama-preflight.ts', tests: [...unit('kv-cache'), ...integration('kv-cache')] },
  { name: 'ollama-env', file: 'src/orchestrator/config/ollama-env.ts', tests: unit('kv-cache-settings') },
  { name: 'plausible-size', file: 'src/orchestrator/loading/plausible-size.ts', tests: [...unit('plausible-size', 'learned-size'), ...integration('learned-memory')] },
  { name: 'doctor-learned', file: 'src/orchestrator/doctor-learned.ts', tests: [...unit('plausible-size'), ...integration('doctor-memory')] },
  { name: 'ledger', file: 'src/orchestrator/savings/ledger.ts', tests: [...unit('ledger'), ...integration('savings-store')] },
  { name: 'pull', file: 'src/orchestrator/models/pull.ts', tests: unit('puller') },
  { name: 'origins', file: 'src/orchestrator/inputs/origins.ts', tests: unit('origins') },
  { name: 'fingerprint', file: 'src/orchestrator/inputs/fingerprint.ts', tests: unit('origins') },
  { name: 'fingerprint-table', file: 'src/orchestrator/inputs/fingerprint-table.ts', tests: unit('origins') },
  { name: 'event-store', file: 'src/server/event-store.ts', tests: unit('event-store') },
  { name: 'event-eviction', file: 'src/server/event-eviction.ts', tests: unit('event-eviction', 'event-store') },
  { name: 'stream-owner', file: 'src/server/stream-owner.ts', tests: unit('stream-owner') },
  { name: 'resume-grace', file: 'src/server/resume-grace.ts', tests: unit('resume-grace') },
  { name: 'agents', file: 'src/orchestrator/config/agents.ts', tests: unit('agents-settings', 'session-names') },
  { name: 'session-names', file: 'src/server/session-names.ts', tests: unit('session-names') },
  { name: 'stream-watch', file: 'src/orchestrator/generation/stream-watch.ts', tests: unit('stream-watch', 'progress') },
  { name: 'answer-format', file: 'src/orchestrator/generation/answer-format.ts', tests: unit('answer-format') },
  { name: 'backup-target', file: 'src/orchestrator/storage/backup-target.ts', tests: integration('backup-target') },
  { name: 'degenerate', file: 'src/orchestrator/generation/degenerate.ts', tests: unit('degenerate') },
  { name: 'given-repeat', file: 'src/orchestrator/generation/given-repeat.ts', tests: unit('given-repeat', 'degenerate') },
  { name: 'citations', file: 'src/orchestrator/inputs/citations.ts', tests: unit('citations', 'citations-diff') },
  { name: 'citation-lines', file: 'src/orchestrator/inputs/citation-lines.ts', tests: unit('citations', 'citations-diff') },
  { name: 'diff-lines', file: 'src/orchestrator/inputs/diff-lines.ts', tests: unit('citations-diff') },
  { name: 'token-answer', file: 'src/orchestrator/engines/llamacpp/token-answer.ts', tests: unit('token-answer') },
  { name: 'llamacpp-tokenize', file: 'src/orchestrator/engines/llamacpp/llamacpp-tokenize.ts', tests: integration('llamacpp-tokenize') },
  { name: 'engine-tokens', file: 'src/orchestrator/jobs/engine-tokens.ts', tests: unit('engine-tokens') },
  { name: 'shared-place', file: 'src/server/shared/place.ts', tests: unit('shared-place') },
  { name: 'shared-hello', file: 'src/server/shared/hello.ts', tests: unit('shared-hello') },
  { name: 'shared-lock', file: 'src/server/shared/lock.ts', tests: unit('shared-lock') },
  { name: 'shared-lines', file: 'src/server/shared/lines.ts', tests: [...unit('shared-hello'), ...integration('shared-forward')] },
];
