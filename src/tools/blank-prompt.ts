/**
 * A prompt of blanks alone ("   ", a newline) is refused as an empty one is (issue 75, finding 6), and
 * so is one of characters that show nothing — a zero-width space, a soft hyphen, NUL, the Braille blank
 * (issue 80, finding 8; util/visible.ts says which): no model is asked to read nothing, and no ledger
 * line is charged for it.
 */
import { InputError } from '../orchestrator/inputs/index.js';
import { hasVisible } from '../orchestrator/util/visible.js';

/** Throws, saying what to send instead (`needs`), when `prompt` holds no visible character. */
export function refuseBlank(
  prompt: string,
  tool: string,
  needs = 'a task in words — what the model should do (with files, what to do with them)',
): void {
  if (hasVisible(prompt)) return;
  throw new InputError(`The prompt is blank: ${tool} needs ${needs}.`);
}
