/**
 * Inputs read by reference. What every caller needs at once (types, the error, root paths) is
 * here; the reading itself (globs, ignore rules, git) is loaded on first use: `readInputs()`.
 */
export { rootPath } from './scope.js';
export { InputError, type GatheredInputs, type InputRequest, type InputScope } from './types.js';
import type { GatheredInputs, InputRequest, InputScope } from './types.js';
import type { ReadOrigins } from './origins.js';
import type { WorkingFolder } from './scope.js';

export type { WorkingFolder } from './scope.js';

/** What settings' inputs section gives: the roots and limits. */
export type ReadSettings = Omit<InputScope, 'base' | 'closed'>;

/**
 * Reads what `req` names, within the project folder, the client's roots and the roots in settings;
 * every text and image read is recorded in `origins`, which the cloud fallback checks.
 */
export async function readInputs(
  req: InputRequest,
  settings: ReadSettings,
  folder: WorkingFolder,
  clientRoots: readonly string[],
  origins: ReadOrigins,
): Promise<GatheredInputs> {
  const [{ gatherInputs }, { inputScope }] = await Promise.all([import('./gather.js'), import('./scope.js')]);
  return gatherInputs(req, await inputScope(settings, folder, clientRoots), origins);
}
