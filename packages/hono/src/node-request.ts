import { type BodyReadResult, readStreamBody, type StreamRequest } from '@baton/core';
import type { Context } from 'hono';

/** The Node request `@hono/node-server` passes to the app as `c.env.incoming`. */
export interface NodeRequest extends StreamRequest {
  /** Bytes a platform read before the app ran (Google Cloud Functions); node-server reads them. */
  rawBody?: unknown;
  readonly readableDidRead?: boolean;
}

const TOO_LARGE: BodyReadResult = Object.freeze({ kind: 'too_large' });

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
 * Whether the signed body can be read from the Node request: nothing has read it yet, or a
 * platform left it in `rawBody`.
 */
export function unreadNodeBody(c: Context, incoming: NodeRequest): boolean {
  return (
    incoming.rawBody instanceof Uint8Array ||
    (incoming.readableDidRead !== true && !c.req.raw.bodyUsed)
  );
}

/**
 * Reads the signed body from the Node request, bounded, and leaves it in `rawBody`, where
 * node-server's `Request` takes a body from (the convention of Google Cloud Functions), so the
 * handler's `c.req.text()`, `json()` or `arrayBuffer()` read these exact bytes, and
 * `c.req.raw` stays unread. Reading the bytes through the `Request` instead would copy them
 * into an `ArrayBuffer` on every request.
 */
export function readNodeBody(incoming: NodeRequest, limit: number): Promise<BodyReadResult> {
  const { rawBody } = incoming;
  if (rawBody instanceof Uint8Array) {
    return Promise.resolve(
      rawBody.byteLength > limit ? TOO_LARGE : { kind: 'read', body: rawBody },
    );
  }
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
