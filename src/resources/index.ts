/** Every resource the server offers. One file per resource; add new ones here. */
import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { registerConfig } from './config.js';
import { registerFleet } from './fleet.js';
import { registerJobs } from './jobs.js';
import { registerMemory } from './memory.js';
import { registerMetrics } from './metrics.js';
import { registerModelCard } from './model-card.js';
import { registerModelsDatabase } from './models-database.js';
import { registerModelsLoaded } from './models-loaded.js';
import { registerSystemRam } from './system-ram.js';
import { registerTemplates } from './templates.js';
import { registerViews } from './views.js';

export const RESOURCES: Array<(server: McpServer, orch: Orchestrator) => void> = [
  registerSystemRam,
  registerFleet,
  registerModelsDatabase,
  registerModelsLoaded,
  registerConfig,
  registerMetrics,
  registerMemory,
  registerTemplates,
  registerViews,
  registerJobs,
  registerModelCard, // the template last, so fixed ollm://models/... URIs win
];
