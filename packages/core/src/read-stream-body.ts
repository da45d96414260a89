import { ABORTED, joinChunks, TOO_LARGE } from './read-web-body.js';
import type { BodyReadResult } from './verify-request.js';

/**
 * The parts of a Node request (`http.IncomingMessage`, `Http2ServerRequest`) a body read
 * needs, typed here so core's main entry needs no Node types.
 */
export interface StreamRequest {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'error' | 'close', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  off(event: 'end' | 'error' | 'close', listener: () => void): unknown;
  resume(): unknown;
}

/**
 * Reads the raw bytes of a Node request body, exactly as received (no decompression, no
 * charset decoding: a signature covers the bytes as sent), refusing more than `limit` bytes.
 * It touches no `node:` module, so the adapters that also run at the edge (Hono on
 * `@hono/node-server`) use it where a Node request is at hand; `readBody` from
 * `@baton/core/node` is the same read for Node-only code.
 *
 * A body over the limit is refused as soon as its `content-length` says so, or as soon as
 * the bytes received pass the limit; the rest is read and dropped, so the connection stays
 * usable and the caller receives the answer instead of a reset. A caller that goes away
 * mid-body gives `aborted`. A body that came in one chunk is answered as that chunk (on Node,
 * a `Buffer`), without a copy; several are joined by `join` (by default into a `Uint8Array`).
 *
 * @example
 * const read = await readStreamBody(req, 1_048_576);
 * if (read.kind === 'read') await baton.verifyRequest({ logical, headers: req.headers, body: read.body });
 */
export function readStreamBody(
  req: StreamRequest,
  limit: number,
  join: (chunks: readonly Uint8Array[], size: number) => Uint8Array = joinChunks,
): Promise<BodyReadResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.resolve(TOO_LARGE);
  }
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const finish = (result: BodyReadResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Uint8Array) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      finish(TOO_LARGE);
      // Still flowing without listeners: the remaining bytes are dropped as they arrive.
      req.resume();
    };
    const onEnd = () =>
      finish({
        kind: 'read',
        body: chunks.length === 1 ? (chunks[0] as Uint8Array) : join(chunks, size),
      });
    const onAbort = () => finish(ABORTED);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}
