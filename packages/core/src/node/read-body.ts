import type { IncomingMessage } from 'node:http';

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
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.resolve(TOO_LARGE);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: ReadBodyResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
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
        body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
      });
    const onAbort = () => finish(ABORTED);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}

const TOO_LARGE: ReadBodyResult = { kind: 'too_large' };
const ABORTED: ReadBodyResult = { kind: 'aborted' };
