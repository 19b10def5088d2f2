/**
 * The Chromium the browser tests drive (playwright-core brings no browser of its own): $CHROMIUM_PATH,
 * else the first of the usual install paths. Without one the browser tests are skipped with a note
 * saying how to get one — except under CI (CI set), where a missing browser fails the run.
 */
import { existsSync } from 'node:fs';

const USUAL_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

const HOW_TO_GET_ONE =
  'install one (Debian/Ubuntu: `sudo apt-get install chromium`; macOS: Google Chrome or ' +
  'Chromium in /Applications) or set CHROMIUM_PATH to a Chrome or Chromium executable';

/** $CHROMIUM_PATH when set (used as given, so a wrong path fails loudly), else the first usual path that exists. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  return USUAL_PATHS.find((p) => existsSync(p));
}

/**
 * The browser to use, or undefined when the tests are to be skipped (after one line on stderr
 * saying so). Under CI a missing browser throws, which fails the test file and so the run.
 */
export function chromiumOrSkip(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const found = findChromium(env);
  if (found) return found;
  if (env.CI && env.CI !== 'false' && env.CI !== '0')
    throw new Error(`CI is set and no Chromium was found for the browser tests: ${HOW_TO_GET_ONE}.`);
  process.stderr.write(`\n*** Browser tests SKIPPED: no Chromium found. To run them, ${HOW_TO_GET_ONE}. ***\n\n`);
  return undefined;
}
