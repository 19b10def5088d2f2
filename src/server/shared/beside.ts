/**
 * The records the build writes beside the bundle (scripts/build.mjs: `build.json`,
 * `handshake.json`), read by the script this process runs as (process.argv[1], links followed):
 * dist/cli.js, or the plugin's copy of it.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The record `name` beside the running bundle (or the file `file` names): its path and its JSON
 * (undefined when it is not JSON); undefined when it cannot be read — run from source there is none.
 */
export function recordBeside(name: string, file?: string): { path: string; json: unknown } | undefined {
  let path = file ?? '';
  let text: string;
  try {
    path ||= join(dirname(realpathSync(process.argv[1] ?? '.')), name);
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return { path, json: JSON.parse(text) as unknown };
  } catch {
    return { path, json: undefined };
  }
}
