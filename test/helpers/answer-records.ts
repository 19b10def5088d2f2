/**
 * A call's records (metrics, track record, speeds, the savings ledger) are made once its answer has gone out
 * (src/orchestrator/util/after-answer.ts: the check phase of the turn it was answered in): a test that reads
 * them right after the call waits for that turn to end.
 */
export const answerRecorded = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
