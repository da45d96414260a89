import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/** Where a server listens, with the host written as a URL needs it (IPv6 in brackets). */
export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
}

/** Starts listening (port 0: an ephemeral port) and answers the address. */
export async function listen(
  server: Server,
  port = 0,
  host = '127.0.0.1',
): Promise<ListeningAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    host: address.family === 'IPv6' ? `[${address.address}]` : address.address,
    port: address.port,
  };
}

/** Stops listening and drops open connections (keep-alive ones included). */
export function closeServer(server: Server & { closeAllConnections(): void }): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Reads a request body as UTF-8; past `maxBytes` it throws what `tooLarge` makes. */
export async function readBody(
  request: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Waits `ms` milliseconds (the injected latency of a fault). */
export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/**
 * A request body as a JSON object (an empty body is `{}`); anything else throws what
 * `invalid` makes, in the emulated service's words.
 */
export function parseJsonObject(text: string, invalid: () => Error): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Answered below, as any other body that is not a JSON object.
  }
  throw invalid();
}
