import type { IncomingMessage } from 'node:http';
import { readBody } from '@baton/core/node';
import { RawBodyMissingError } from './errors.js';

/** A request as the Express platform hands it over, with what `rawBody: true` keeps. */
export type NestRequest = IncomingMessage & { rawBody?: Buffer; [key: string]: unknown };

/** The body was larger than the guard reads. */
export class BodyTooLarge {}

/**
 * The exact bytes of a request body: `req.rawBody` when a body parser kept it
 * (`rawBody: true`), otherwise read from the stream if nothing has read it yet (content
 * types Nest does not parse), kept on `req.rawBody` for the handler.
 */
export async function rawBodyOf(
  req: NestRequest,
  logical: string,
  maxBytes: number,
): Promise<Buffer | BodyTooLarge> {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (req.readableEnded || !req.readable) {
    // Something already consumed the stream. Without a body there is nothing to keep.
    if (hasNoBody(req)) return Buffer.alloc(0);
    throw new RawBodyMissingError(logical);
  }
  const read = await readBody(req, maxBytes);
  if (read.kind === 'too_large') return new BodyTooLarge();
  if (read.kind === 'aborted') throw new BodyAbortedError();
  req.rawBody = read.body;
  return req.rawBody;
}

/** The caller went away before its body arrived: there is nothing to verify. */
class BodyAbortedError extends Error {}

function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}
