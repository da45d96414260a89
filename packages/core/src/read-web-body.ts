import type { BodyReadResult } from './verify-request.js';

/** Results without bytes, shared by the body readers. */
export const TOO_LARGE: BodyReadResult = Object.freeze({ kind: 'too_large' });
export const ABORTED: BodyReadResult = Object.freeze({ kind: 'aborted' });

/**
 * Reads the raw bytes of a Fetch `Request` body, refusing more than `limit` bytes: at once when
 * its `content-length` says so (a body within its declared length is read whole, as the server
 * reads no more than it declares), otherwise as soon as the bytes received pass the limit (the
 * stream is cancelled, so nothing more is buffered). Runs wherever `Request` does (workerd,
 * Deno, Bun, Node); the edge adapters read signed bodies with it.
 *
 * @example
 * const read = await readWebBody(request, 1_048_576);
 * if (read.kind === 'read') await baton.verifyRequest({ logical, headers: request.headers, body: read.body });
 */
export async function readWebBody(request: Request, limit: number): Promise<BodyReadResult> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    await request.body?.cancel().catch(() => undefined);
    return TOO_LARGE;
  }
  if (request.bodyUsed) return ABORTED;
  if (declared !== null && /^\d+$/.test(declared)) {
    // The server reads exactly the declared length, so the runtime's own reader (a fast path
    // on @hono/node-server, which never builds a stream for it) is bounded too.
    let bytes: ArrayBuffer;
    try {
      bytes = await request.arrayBuffer();
    } catch {
      return ABORTED;
    }
    return bytes.byteLength > limit ? TOO_LARGE : { kind: 'read', body: new Uint8Array(bytes) };
  }
  if (request.body === null) return { kind: 'read', body: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return TOO_LARGE;
      }
      chunks.push(value);
    }
  } catch {
    return ABORTED;
  }
  return { kind: 'read', body: joinChunks(chunks, size) };
}

/** One buffer of every chunk; a body that came in one chunk is used as it is. */
export function joinChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
