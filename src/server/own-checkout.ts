/**
 * Whether a folder is ollm-mcp's own checkout (or package): `npx ollm-mcp project` works only from
 * there, and then reports ollm-mcp's own profile, not the user's project (issue 75, finding 12).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the package this code runs from: the nearest one up whose package.json is ollm-mcp's. */
function ownRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'ollm-mcp') return dir;
    } catch {
      // not a package file to read: go on up
    }
  }
  return undefined;
}

/** What to tell when `root` is ollm-mcp's own folder: how to reach the user's project instead; undefined otherwise. */
export function ownCheckoutNote(root: string, cli = 'node /absolute/path/to/ollm-mcp/dist/cli.js'): string | undefined {
  const own = ownRoot();
  if (own === undefined || resolve(root) !== resolve(own)) return undefined;
  return (
    `this is ollm-mcp's own folder, not your project: run \`${cli} project\` in your project's ` +
    `folder, or add --project DIR`
  );
}
