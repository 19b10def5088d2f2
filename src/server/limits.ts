/** What a message over the limit (presenting/message-limit.ts) is refused with. */
import { MAX_MESSAGE_BYTES } from '../presenting/message-limit.js';

export { MAX_MESSAGE_BYTES };

/** JSON-RPC "Invalid Request": the message was refused as a whole. */
export const TOO_LARGE_CODE = -32600;

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1).replace(/\.0$/, '')} MiB`;
}

/**
 * What fills an oversized message, judged from a sample of it: prose has a space every few words; base64 (an
 * image) none.
 */
export type Filling = 'text' | 'images';

/** The filling of `sample`: text when at least one byte in 50 is a space, else images (base64). */
export function fillingOf(sample: Buffer): Filling {
  let spaces = 0;
  for (const b of sample) if (b === 0x20) spaces++;
  return spaces * 50 >= sample.length ? 'text' : 'images';
}

/**
 * Why a message was refused and the one next step for what fills it (issue 75, finding 7): a long
 * text goes by path, read on this machine however long; images are scaled down. `bytes` is its
 * size when known.
 */
export function tooLargeMessage(bytes?: number, filling?: Filling): string {
  const size = bytes === undefined ? 'The message is' : `The message is ${mib(bytes)},`;
  const limit = `${size} over the ${mib(MAX_MESSAGE_BYTES)} limit for one MCP message`;
  if (filling === 'text')
    return (
      `${limit}: pass a long text by path (files: ["path/to/it"]), which ollm-mcp reads itself ` +
      `however long it is, or split the work into several calls.`
    );
  return (
    `${limit}: send fewer or smaller images (scale photos down before encoding them), or split ` +
    `the work into several calls.`
  );
}
