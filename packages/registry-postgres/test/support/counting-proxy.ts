/**
 * A TCP proxy in front of the test PostgreSQL that reads the wire protocol going through it
 * and counts, over every connection, the statements clients send (simple `Query` and
 * extended `Execute` messages) and the rows the server answers (`DataRow` messages): what a
 * store really asks of the database, observed from outside it.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface CountingProxy {
  /** `DATABASE_URL` with the proxy's address instead of the server's. */
  readonly url: string;
  readonly statements: number;
  readonly rows: number;
  close(): Promise<void>;
}

export async function countingProxy(databaseUrl: string): Promise<CountingProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let statements = 0;
  let rows = 0;
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    // The client's first message (the start-up packet) has no type byte.
    const fromClient = messages(true, (type) => {
      if (type === 'Q' || type === 'E') statements++;
    });
    const fromServer = messages(false, (type) => {
      if (type === 'D') rows++;
    });
    client.on('data', (chunk: Buffer) => {
      fromClient(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      fromServer(chunk);
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    get statements() {
      return statements;
    },
    get rows() {
      return rows;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Splits a byte stream into protocol messages (type byte, then a length that counts itself). */
function messages(startsUntyped: boolean, onMessage: (type: string) => void) {
  let buffered = Buffer.alloc(0);
  let untyped = startsUntyped;
  return (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const header = untyped ? 4 : 5;
      if (buffered.length < header) return;
      const length = buffered.readInt32BE(untyped ? 0 : 1);
      const size = untyped ? length : 1 + length;
      if (buffered.length < size) return;
      if (!untyped) onMessage(String.fromCharCode(buffered[0] ?? 0));
      untyped = false;
      buffered = buffered.subarray(size);
    }
  };
}
