/** Every tool the server offers. One file per tool; add new ones here. */
import type { ToolRegistration } from './define.js';
import { listModels } from './list-models.js';
import { routeAndGenerateTool } from './route-and-generate.js';
import { smartLoadTool } from './smart-load.js';
import { unloadModelTool } from './unload-model.js';

export const TOOLS: ToolRegistration[] = [listModels, smartLoadTool, unloadModelTool, routeAndGenerateTool];
