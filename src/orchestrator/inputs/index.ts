export { gatherInputs, hasInputs } from './gather.js';
export { inputScope, rootPath } from './scope.js';
export { readFileInput } from './files.js';
export { InputError, type DiffRequest, type GatheredInputs, type InputDoc, type InputRequest, type InputScope, type ReadEntry, type SkippedEntry } from './types.js';
