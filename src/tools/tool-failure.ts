/**
 * A failed call as the client is told it: the cause and the next step for the calling model, no
 * stack trace — an error of ollm-mcp's own in its words, a disk's state as such, anything else as
 * a bug to report — in an `isError` result of bounded length.
 */
import { HostError } from '../orchestrator/index.js';
import { log } from '../orchestrator/util/log.js';
import { MemoryError } from '../orchestrator/memory/memory-db.js';
import { ProjectError } from '../orchestrator/project/project.js';
import { TemplateError } from '../orchestrator/templates/index.js';
import { RouteError } from '../orchestrator/jobs/route.js';
import { FormatError } from '../orchestrator/generation/answer-format.js';
import { diskProblem } from '../orchestrator/util/disk-errors.js';
import { InputError } from '../orchestrator/inputs/index.js';
import { JobError } from '../orchestrator/jobs/long-work.js';

/** A message for the calling model: the cause and the next step, no stack trace. */
export function describeFailure(tool: string, err: unknown): string {
  if (
    err instanceof HostError ||
    err instanceof RouteError ||
    err instanceof MemoryError ||
    err instanceof TemplateError ||
    err instanceof ProjectError ||
    err instanceof InputError ||
    err instanceof FormatError ||
    err instanceof JobError
  )
    return err.message;
  // a full, read-only or failing disk is the machine's state, not a bug: say it as such
  const disk = diskProblem(err);
  if (disk) {
    log.warn(`${tool}: ${disk} (${err instanceof Error ? err.message : String(err)})`);
    return `${tool} failed: ${disk}`;
  }
  log.error(`${tool} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  const message = err instanceof Error ? err.message : String(err);
  return (
    `${tool} failed: ${message}. This is a bug in ollm-mcp if it persists — run \`ollm-mcp ` +
    `doctor\`, and report it with the server's stderr log.`
  );
}

/** The longest error text a client is sent: the cause and the next step fit in far less; the log keeps the whole. */
const MAX_ERROR_CHARS = 4000;

export function failure(text: string) {
  if (text.length > MAX_ERROR_CHARS) {
    log.warn(`error text cut for the client (${text.length} characters): ${text}`);
    text = `${text.slice(0, MAX_ERROR_CHARS)}… (${text.length - MAX_ERROR_CHARS} more characters in the server's log)`;
  }
  return { isError: true, content: [{ type: 'text' as const, text }] };
}
