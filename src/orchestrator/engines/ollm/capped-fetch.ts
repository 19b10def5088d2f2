/**
 * The bytes a box (another ollm-mcp) sends, counted while they are read, before anything parses
 * them (issue 61: a box answering 200 MB took the calling server to 899 MB before its answer was
 * refused). The MCP SDK's transport reads a JSON answer whole and an SSE stream event by event, so
 * the bound is per message: a JSON body (or any other body) whole, an SSE event from its first
 * line to the blank line that ends it — a long generation streams many small progress events and
 * one answer, never one endless event. Past the bound the body errors and the connection is told,
 * so the calls waiting on it end at once (the SDK would wait out an SSE request's time limit).
 */

/** What the SDK's transport takes as its `fetch`. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The most bytes one message from a box may take: the largest answer ollm-answers.ts accepts
 * (MAX_TEXT characters of text and as many of reasoning, each also in the result's text content)
 * in ASCII, and more than 100 times the longest answer a model writes at maxTokens' top.
 */
export const MAX_BOX_MESSAGE_BYTES = 32 * 1024 * 1024;

/**
 * The most bytes one SSE stream may take in all: events each under the bound but without end (a
 * box sending progress or comments on and on) are cut here. Hours of a real generation's progress
 * (a line a second or so) and its answer take a small part of it.
 */
const MAX_BOX_STREAM_BYTES = 256 * 1024 * 1024;

/** A message past the bound: not read further. */
export class OversizeError extends Error {}

const LF = 0x0a;
const CR = 0x0d;
/** Statuses whose response has no body (the Response constructor refuses one). */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/** Counts an SSE stream's bytes per event (line ends not counted); true once an event is past `max`. */
function perEvent(max: number): (chunk: Uint8Array) => boolean {
  let event = 0;
  let line = 0;
  let afterCR = false;
  return (chunk) => {
    for (let k = 0; k < chunk.length; k++) {
      const b = chunk[k]!;
      if (b === LF || b === CR) {
        // CRLF is one line end; CR or LF alone is one too (the SSE grammar)
        if (b === LF && afterCR) {
          afterCR = false;
          continue;
        }
        afterCR = b === CR;
        if (line === 0) event = 0; // a blank line: the event ended
        line = 0;
      } else {
        afterCR = false;
        line++;
        event++;
      }
    }
    return event > max;
  };
}

/** Counts a whole body's bytes; true once past `max`. */
function whole(max: number): (chunk: Uint8Array) => boolean {
  let total = 0;
  return (chunk) => (total += chunk.byteLength) > max;
}

const isEventStream = (type: string | null) => (type ?? '').split(';')[0]!.trim().toLowerCase() === 'text/event-stream';

/**
 * `fetch` whose response bodies error once a message passes `maxBytes`, or an SSE stream in all
 * `streamMax`, calling `onOversize`
 * first (the connection ends its calls with the error naming the box).
 */
export function cappedFetch(
  maxBytes: number,
  onOversize: (err: OversizeError) => void,
  base: FetchLike = fetch,
  streamMax = MAX_BOX_STREAM_BYTES,
): FetchLike {
  return async (url, init) => {
    const response = await base(url, init);
    if (!response.body || NO_BODY.has(response.status)) return response;
    const sse = isEventStream(response.headers.get('content-type'));
    const message = sse ? perEvent(maxBytes) : whole(maxBytes);
    const stream = sse ? whole(streamMax) : () => false;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          const past = message(chunk)
            ? [sse ? 'an event of its stream' : 'an answer', maxBytes]
            : stream(chunk)
              ? ['its stream', streamMax]
              : undefined;
          if (past) {
            const [what, max] = past as [string, number];
            const err = new OversizeError(
              `${what} larger than ${max >= 1 << 20 ? `${max >> 20} MiB` : `${max} bytes`}`,
            );
            onOversize(err);
            controller.error(err); // the pipe cancels the body: the rest is never read
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
