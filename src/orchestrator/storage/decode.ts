/**
 * Reading JSON that a person may have edited or a crash may have cut: a byte-order mark is
 * skipped, text after the JSON value is cut off and kept apart, and a syntax slip (a missing
 * comma, a cut-off end) is repaired with `jsonrepair`, loaded only when a file needs it.
 */

export interface Decoded {
  data: unknown;
  /** What could not be read: text after the value, or the whole original when it was repaired. */
  badText?: string;
  /** Why `badText` was set apart, in words for the user. */
  problem?: string;
}

const BOM = '\uFEFF';

/** The value in `text`, or null when nothing of it reads as JSON. */
export async function decodeJson(text: string): Promise<Decoded | null> {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  try {
    return { data: JSON.parse(body) };
  } catch (e) {
    // V8 names where a complete value ends and something else begins: keep the value, set the rest apart
    const end = /after JSON at position (\d+)/.exec((e as Error).message)?.[1];
    if (end !== undefined) {
      const at = Number(end);
      const data = await decodeJson(body.slice(0, at));
      if (data && data.badText === undefined)
        return {
          data: data.data,
          badText: body.slice(at),
          problem: `${body.length - at} characters after the end of the JSON`,
        };
    }
  }
  const { jsonrepair, JSONRepairError } = await import('jsonrepair');
  let head = body;
  for (let cut = 0; cut < 4; cut++) {
    try {
      const repaired = jsonrepair(head);
      const data: unknown = JSON.parse(repaired);
      const tail = body.slice(head.length);
      try {
        JSON.parse(head);
        return { data, badText: tail, problem: `${tail.length} characters after the end of the JSON` };
      } catch {
        return { data, badText: body, problem: 'a syntax error (the file was repaired; its original text is kept)' };
      }
    } catch (e) {
      // jsonrepair names where the unreadable part starts: try again with what comes before it
      if (!(e instanceof JSONRepairError) || e.position <= 0 || e.position >= head.length) return null;
      head = head.slice(0, e.position);
    }
  }
  return null;
}
