import type { IncomingMessage } from 'node:http';
import { readStreamBody } from '../read-stream-body.js';

/** What reading a request body gave. */
export type ReadBodyResult =
  | { readonly kind: 'read'; readonly body: Buffer }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'aborted' };

/**
 * Reads the raw bytes of a request body, exactly as received (no decompression, no charset
 * decoding: a signature covers the bytes as sent), refusing more than `limit` bytes. The
 * Node adapters (Express, Nest) read signed bodies with it.
 *
 * A body over the limit is refused as soon as its `content-length` says so, or as soon as
 * the bytes received pass the limit; the rest is read and dropped, so the connection stays
 * usable and the caller receives the answer instead of a reset. A caller that goes away
 * mid-body gives `aborted`.
 *
 * @example
 * const read = await readBody(req, 1_048_576);
 * if (read.kind === 'read') await baton.verifyRequest({ logical, headers: req.headers, body: read.body });
 */
export function readBody(req: IncomingMessage, limit: number): Promise<ReadBodyResult> {
  // Node's chunks are Buffers, and Buffer.concat joins them into one.
  return readStreamBody(req, limit, joinBuffers) as Promise<ReadBodyResult>;
}

const joinBuffers = (chunks: readonly Uint8Array[], size: number) =>
  Buffer.concat(chunks as readonly Buffer[], size);
