import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readStreamBody } from '../read-stream-body.js';
import type { BodyReadResult } from '../verify-request.js';
import { readBody } from './read-body.js';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/**
 * Sends a body to a real server whose handler reads it with `readBody(req, limit)` (or
 * `reader`); several buffers go as one write each, chunked.
 */
async function send(
  body: Buffer | Buffer[],
  limit: number,
  headers: Record<string, string> = {},
  reader: (req: IncomingMessage, limit: number) => Promise<BodyReadResult> = readBody,
) {
  let read: BodyReadResult | undefined;
  const server = createServer(async (req, res) => {
    read = await reader(req, limit);
    res.end(read.kind);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request({ port, method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    for (const chunk of Array.isArray(body) ? body : [body]) req.write(chunk);
    req.end();
  });
  return { read, answer };
}

describe('readBody', () => {
  it('answers the exact bytes, including ones that are not UTF-8', async () => {
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0xff, 0x00, 0x7b]);
    const { read } = await send(bytes, 1024);
    expect(read).toEqual({ kind: 'read', body: bytes });
  });

  it('refuses a body over the limit, declared or streamed, and still answers the caller', async () => {
    expect(await send(Buffer.alloc(11), 10)).toMatchObject({
      read: { kind: 'too_large' },
      answer: 'too_large',
    });
    const chunked = await send(Buffer.alloc(64 * 1024, 1), 1024, {
      'transfer-encoding': 'chunked',
    });
    expect(chunked).toMatchObject({ read: { kind: 'too_large' }, answer: 'too_large' });
    expect((await send(Buffer.alloc(10), 10)).read).toMatchObject({ kind: 'read' });
  });
});

describe('readStreamBody', () => {
  it('joins a body that came in several chunks into one array of the exact bytes', async () => {
    const chunks = [Buffer.from([0xff, 0x00]), Buffer.from('é'), Buffer.alloc(20_000, 7)];
    const { read } = await send(chunks, 1 << 20, {}, readStreamBody);
    expect(read?.kind).toBe('read');
    const body = (read as { body: Uint8Array }).body;
    expect(Buffer.from(body).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('refuses a streamed body as soon as it passes the limit', async () => {
    const { read } = await send([Buffer.alloc(600), Buffer.alloc(600)], 1000, {}, readStreamBody);
    expect(read).toEqual({ kind: 'too_large' });
  });
});
