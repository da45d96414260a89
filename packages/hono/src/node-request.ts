import { type BodyReadResult, readStreamBody, type StreamRequest } from '@baton/core';
import type { Context } from 'hono';

/** The Node request `@hono/node-server` passes to the app as `c.env.incoming`. */
export interface NodeRequest extends StreamRequest {
  /** Bytes a platform read before the app ran (Google Cloud Functions); node-server reads them. */
  rawBody?: unknown;
  readonly readableDidRead?: boolean;
}

/**
 * The Node request under `c.req.raw` on `@hono/node-server` (its `HttpBindings`), or
 * `undefined` on every other runtime. Its headers are a plain record, which the verifier reads
 * without going through a `Headers` object.
 */
export function nodeRequest(c: Context): NodeRequest | undefined {
  const incoming = (c.env as { incoming?: Partial<NodeRequest> } | undefined)?.incoming;
  return typeof incoming === 'object' &&
    incoming !== null &&
    typeof incoming.on === 'function' &&
    typeof incoming.off === 'function' &&
    typeof incoming.resume === 'function' &&
    typeof incoming.headers === 'object' &&
    incoming.headers !== null
    ? (incoming as NodeRequest)
    : undefined;
}

/**
 * Reads the signed body from the Node request, bounded, and leaves it in `rawBody`, where
 * node-server's `Request` takes a body from (the convention of Google Cloud Functions), so the
 * handler's `c.req.text()`, `json()` or `arrayBuffer()` read these exact bytes, and
 * `c.req.raw` stays unread. Reading the bytes through the `Request` instead would copy them
 * into an `ArrayBuffer` on every request. A body a platform left in `rawBody` is used as it
 * is; `undefined` when something else read the body already (the `Request` then knows what
 * to answer).
 */
export function readNodeBody(
  c: Context,
  incoming: NodeRequest,
  limit: number,
): Promise<BodyReadResult> | undefined {
  const { rawBody } = incoming;
  if (rawBody instanceof Uint8Array) {
    return Promise.resolve(
      rawBody.byteLength > limit ? { kind: 'too_large' } : { kind: 'read', body: rawBody },
    );
  }
  if (incoming.readableDidRead === true || c.req.raw.bodyUsed) return undefined;
  return readStreamBody(incoming, limit, joinBuffers).then((read) => {
    if (read.kind === 'read') incoming.rawBody = read.body;
    return read;
  });
}

/** Node's chunks are Buffers; node-server takes `rawBody` only as one, so they join as one. */
function joinBuffers(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const { Buffer } = globalThis as unknown as {
    Buffer: { concat(chunks: readonly Uint8Array[], size: number): Uint8Array };
  };
  return Buffer.concat(chunks, size);
}
