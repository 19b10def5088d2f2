/** How the Ollama adapter's messages quote what a host sent and name the limits it ran into. */

/** A quoted start of a line, for messages. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${JSON.stringify(flat.slice(0, 60))}…` : JSON.stringify(flat);
}

/** A limit in KiB or MiB, as the messages give it. */
export const sizeText = (bytes: number): string =>
  bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
