/**
 * A prompt of blanks alone ("   ", a newline) is refused as an empty one is (issue 75, finding 6):
 * no model is asked to read nothing, and no ledger line is charged for it.
 */
import { InputError } from '../orchestrator/inputs/index.js';

/** Throws, saying what to send instead, when `prompt` holds no visible character. */
export function refuseBlank(prompt: string, tool: string): void {
  if (/\S/u.test(prompt)) return;
  throw new InputError(
    `The prompt is blank: ${tool} needs a task in words — what the model should do (with files, what to do with them).`,
  );
}
