export * from './config/index.js';
export {
  Orchestrator,
  type OrchestratorDeps,
  type ModelsOverview,
  type ModelSummary,
  type LoadedModel,
  type RamSummary,
} from './orchestrator.js';
export { HostError } from './engines/host-error.js';
export { type MemorySource } from './loading/ram.js';
export { runDoctor, type DoctorReport } from './doctor.js';
export { PROFILE_NAMES, TASK_TYPES, type TaskType } from './config/profiles.js';
export { TASK_PROFILE } from './generation/routing-profiles.js';
export { formatTokens, formatMoney } from './savings/ledger.js';
export { footprint, footprintLine } from './savings/footprint.js';
export { type SavingsSummary, type SavingsSums } from './stores/savings-store.js';
