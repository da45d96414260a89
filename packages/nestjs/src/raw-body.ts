import type { IncomingMessage } from 'node:http';
import type { BodyReadResult } from '@baton/core';
import { readBody } from '@baton/core/node';

/** A request as the Express platform hands it over, with what `rawBody: true` keeps. */
export type NestRequest = IncomingMessage & { rawBody?: Buffer; [key: string]: unknown };

/**
 * The exact bytes of a request body: `req.rawBody` when a body parser kept it
 * (`rawBody: true`), otherwise read from the stream if nothing has read it yet (content
 * types Nest does not parse), kept on `req.rawBody` for the handler. A body a parser consumed
 * without keeping it is reported as consumed, with the fix.
 */
export async function rawBodyOf(req: NestRequest, maxBytes: number): Promise<BodyReadResult> {
  if (Buffer.isBuffer(req.rawBody)) return { kind: 'read', body: req.rawBody };
  if (req.readableEnded || !req.readable) {
    if (hasNoBody(req)) return { kind: 'read', body: EMPTY };
    return req.readableEnded ? CONSUMED : ABORTED;
  }
  const read = await readBody(req, maxBytes);
  if (read.kind === 'read') req.rawBody = read.body;
  return read;
}

const EMPTY = Buffer.alloc(0);
const ABORTED: BodyReadResult = { kind: 'aborted' };
const CONSUMED: BodyReadResult = {
  kind: 'consumed',
  fix: 'Create the app with NestFactory.create(AppModule, { rawBody: true }) so Nest keeps the raw bytes.',
};

function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}
