import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readStreamBody } from './read-stream-body.js';
import type { BodyReadResult } from './verify-request.js';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Sends chunks, one write each (chunked encoding), to a server reading them with `readStreamBody`. */
async function send(chunks: Buffer[], limit: number): Promise<BodyReadResult | undefined> {
  let read: BodyReadResult | undefined;
  const server = createServer(async (req, res) => {
    read = await readStreamBody(req, limit);
    res.end(read.kind);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const req = request({ port, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
  return read;
}

describe('readStreamBody', () => {
  it('joins a body that came in several chunks into one array of the exact bytes', async () => {
    const chunks = [Buffer.from([0xff, 0x00]), Buffer.from('é'), Buffer.alloc(20_000, 7)];
    const read = await send(chunks, 1 << 20);
    expect(read?.kind).toBe('read');
    const body = (read as { body: Uint8Array }).body;
    expect(Buffer.from(body).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('refuses a streamed body as soon as it passes the limit', async () => {
    expect(await send([Buffer.alloc(600), Buffer.alloc(600)], 1000)).toEqual({ kind: 'too_large' });
  });
});
