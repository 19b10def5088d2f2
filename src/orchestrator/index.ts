export * from './config/index.js';
export { Orchestrator, type OrchestratorDeps, type ModelsOverview, type ModelSummary, type ModelCard, type LoadedModel, type RamSummary } from './orchestrator.js';
export { OllamaBackend, OllamaError, type OllamaErrorKind } from './ollama.js';
export { Catalog, type CatalogModel } from './catalog.js';
export { describeModel, matchEntry, MODEL_DATABASE, type ModelEntry } from './model-db.js';
export { RamMonitor, type MemorySource, type MemoryReading } from './ram.js';
export { assessFit, requiredBytes } from './planner.js';
export { runDoctor, type DoctorReport, type Check } from './doctor.js';
export { PROFILE_NAMES, TASK_TYPES, type ProfileName, type TaskType } from './profiles.js';
