import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { Express } from 'express';

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on an ephemeral port of the loopback interface. */
export function serve(app: Express): Promise<Served> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) return reject(error);
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends bytes exactly as given over a TCP connection: for requests no HTTP client would build
 * (repeated headers, bytes outside ASCII). The request should carry `connection: close`.
 */
export function rawRequest(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      resolve({
        status: Number(head.slice(9, 12)),
        head,
        body: split === -1 ? '' : text.slice(split + 4),
      });
    });
    socket.end(request);
  });
}
