/** Every tool the server offers. One file per tool; add new ones here. */
import type { ToolRegistration } from './tool-types.js';
import { compareTool } from './compare.js';
import { createModelTool } from './create-model.js';
import { deleteModelTool } from './delete-model.js';
import { forgetTool } from './forget.js';
import { listModels } from './list-models.js';
import { preferModelTool } from './prefer-model.js';
import { rateAnswerTool } from './rate-answer.js';
import { pullModelTool } from './pull-model.js';
import { recallTool } from './recall.js';
import { renderTemplateTool } from './render-template.js';
import { saveTemplateTool } from './save-template.js';
import { rememberTool } from './remember.js';
import { showModelTool } from './show-model.js';
import { showStatusTool } from './show-status.js';
import { routeAndGenerateTool } from './route-and-generate.js';
import { smartLoadTool } from './smart-load.js';
import { unloadModelTool } from './unload-model.js';

export const TOOLS: ToolRegistration[] = [
  routeAndGenerateTool,
  listModels,
  showModelTool,
  smartLoadTool,
  unloadModelTool,
  pullModelTool,
  deleteModelTool,
  createModelTool,
  compareTool,
  preferModelTool,
  rateAnswerTool,
  rememberTool,
  recallTool,
  forgetTool,
  renderTemplateTool,
  saveTemplateTool,
  showStatusTool,
];
