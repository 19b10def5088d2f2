/**
 * An address where nothing listens, and where none of the other tests' servers can start
 * listening meanwhile: a port below Linux's ephemeral range (32768 up, which listen(0) draws from),
 * free when checked. (A port taken with listen(0) and closed again may be handed to the next
 * server a test file running beside starts.)
 */
import { createServer } from 'node:net';

export async function closedAddress(): Promise<string> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((r) => {
      server.once('error', () => r(false));
      server.listen(port, '127.0.0.1', () => r(true));
    });
    if (!free) continue;
    await new Promise<void>((r) => server.close(() => r()));
    return `127.0.0.1:${port}`;
  }
}
