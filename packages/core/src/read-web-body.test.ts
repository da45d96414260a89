import { describe, expect, it } from 'vitest';
import { readWebBody } from './read-web-body.js';

function streamed(chunks: readonly string[], headers: Record<string, string> = {}) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[pulled++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(chunk));
    },
  });
  return { request: post(body, headers), pulled: () => pulled };
}

function post(body: ReadableStream<Uint8Array>, headers: Record<string, string>): Request {
  return new Request('http://localhost/', {
    method: 'POST',
    body,
    headers,
    duplex: 'half',
  } as RequestInit);
}

describe('readWebBody', () => {
  it('reads the exact bytes of a body that came in chunks', async () => {
    const { request } = streamed(['{"a":', '1}']);
    const read = await readWebBody(request, 100);
    expect(read.kind).toBe('read');
    expect(new TextDecoder().decode((read as { body: Uint8Array }).body)).toBe('{"a":1}');
  });

  it('refuses a declared length over the limit without reading anything', async () => {
    const { request, pulled } = streamed(['x'.repeat(10)], { 'content-length': '2000' });
    expect(await readWebBody(request, 1000)).toEqual({ kind: 'too_large' });
    expect(pulled()).toBeLessThanOrEqual(1);
  });

  it('stops reading as soon as the bytes pass the limit', async () => {
    const { request, pulled } = streamed(Array(1000).fill('y'.repeat(1024)));
    expect(await readWebBody(request, 4096)).toEqual({ kind: 'too_large' });
    expect(pulled()).toBeLessThan(10);
  });

  it('reads a body within its declared length whole', async () => {
    const { request } = streamed(['{"a":', '1}'], { 'content-length': '7' });
    const read = await readWebBody(request, 100);
    expect(new TextDecoder().decode((read as { body: Uint8Array }).body)).toBe('{"a":1}');
  });

  it('still refuses a body that turns out longer than it declared and than the limit', async () => {
    const { request } = streamed(['x'.repeat(5000)], { 'content-length': '10' });
    expect(await readWebBody(request, 1000)).toEqual({ kind: 'too_large' });
  });

  it('reads a body with a malformed declared length through the bounded stream', async () => {
    const { request, pulled } = streamed(Array(1000).fill('y'.repeat(1024)), {
      'content-length': '10, 10',
    });
    expect(await readWebBody(request, 4096)).toEqual({ kind: 'too_large' });
    expect(pulled()).toBeLessThan(10);
  });

  it('answers aborted when the client goes away mid-body, declared length or not', async () => {
    for (const headers of [{ 'content-length': '100' }, {}] as Record<string, string>[]) {
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(new Error('socket hang up'));
        },
      });
      expect(await readWebBody(post(body, headers), 1000)).toEqual({ kind: 'aborted' });
    }
  });

  it('answers an empty body for a request without one', async () => {
    const read = await readWebBody(new Request('http://localhost/'), 10);
    expect(read).toEqual({ kind: 'read', body: new Uint8Array(0) });
  });
});
