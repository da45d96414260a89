import { deferred, recordingTelemetry } from '@baton-tools/test-kit';
import { describe, expect, it, vi } from 'vitest';
import { type AuditEvent, type AuditOption, type AuditSink, jsonLinesSink } from './audit.js';
import { type BatonOptions, createBaton } from './baton.js';
import { manualClock } from './testing/manual-clock.js';

async function droppedCount(
  telemetry: ReturnType<typeof recordingTelemetry>,
  reason: string,
): Promise<number> {
  const points = await telemetry.points();
  return points
    .filter(
      (point) =>
        point.name === 'baton.audit.dropped' && point.attributes['baton.reason'] === reason,
    )
    .reduce((sum, point) => sum + (point.value as number), 0);
}

async function registered(audit: AuditOption | undefined, extra: Partial<BatonOptions> = {}) {
  const baton = createBaton({ sources: [], clock: manualClock(), audit, ...extra });
  await baton.register('K', 'K:v1', { actor: 'ops' });
  return baton;
}

describe('jsonLinesSink', () => {
  it('writes one JSON object per line', async () => {
    const chunks: string[] = [];
    const baton = await registered(jsonLinesSink({ write: (chunk) => void chunks.push(chunk) }));
    baton.verifyRef('K', 'K:v1');
    await baton.flush();
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        type: 'register',
        logical: 'K',
        at: '2030-01-01T00:00:00.000Z',
        ref: 'K:v1',
        actor: 'ops',
        revision: 1,
      },
      {
        type: 'verify_accept',
        logical: 'K',
        at: '2030-01-01T00:00:00.000Z',
        ref: 'K:v1',
        match: 'current',
      },
    ]);
  });

  it('writes to stdout by default', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(((
      _chunk: unknown,
      callback?: () => void,
    ) => {
      callback?.();
      return true;
    }) as typeof process.stdout.write);
    try {
      const baton = await registered(undefined);
      await baton.flush();
      expect(new TextDecoder().decode(write.mock.calls[0]?.[0] as Uint8Array)).toMatch(
        /^\{"type":"register","logical":"K"/,
      );
    } finally {
      write.mockRestore();
    }
  });
});

describe('stdout', () => {
  it('writes non-ASCII text as UTF-8, beside ASCII lines', async () => {
    const chunks: Uint8Array[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: Uint8Array) => {
      chunks.push(chunk);
      return true;
    }) as typeof process.stdout.write);
    try {
      const baton = createBaton({ sources: [], clock: manualClock(), audit: jsonLinesSink() });
      await baton.register('K', 'K:v1', { actor: 'zoë 🔑' });
      await baton.flush();
      await baton.register('L', 'L:v1', { actor: 'ops' });
      await baton.flush();
      const lines = chunks.map((chunk) => JSON.parse(new TextDecoder().decode(chunk)));
      expect(lines.map((line) => line.actor)).toEqual(['zoë 🔑', 'ops']);
    } finally {
      write.mockRestore();
    }
  });
});

describe('stdout backpressure', () => {
  it('never rewrites bytes stdout still holds, and reuses them once written', async () => {
    const held: Array<{ chunk: Uint8Array; copy: string; done: () => void }> = [];
    const buffers = new Set<ArrayBufferLike>();
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(((
      chunk: Uint8Array,
      done: () => void,
    ) => {
      buffers.add(chunk.buffer);
      held.push({ chunk, copy: Buffer.from(chunk).toString(), done });
      return true;
    }) as typeof process.stdout.write);
    try {
      const clock = manualClock();
      const baton = createBaton({ sources: [], clock, audit: jsonLinesSink() });
      await baton.register('K', 'K:v1');
      const burst = async () => {
        for (let i = 0; i < 8_000; i++) baton.verifyRef('K', i % 2 === 0 ? 'K:v1' : 'K:v9');
        clock.advance(1);
        await baton.flush();
      };
      // Several slabs' worth while stdout holds every chunk: each stays as it was written.
      for (let round = 0; round < 12; round++) await burst();
      for (const { chunk, copy } of held) expect(Buffer.from(chunk).toString()).toBe(copy);
      const fresh = buffers.size;
      expect(fresh).toBeGreaterThan(2);
      // Once stdout has written them, the same memory carries the next lines.
      for (const { done } of held.splice(0)) done();
      for (let round = 0; round < 12; round++) {
        await burst();
        for (const { done } of held.splice(0)) done();
      }
      expect(buffers.size).toBe(fresh);
    } finally {
      write.mockRestore();
    }
  });

  it('waits while stdout holds more than 16 MiB, and resumes once it holds less, not once it is empty', async () => {
    const slack = 16 * 1_048_576;
    let held = slack + 1;
    const written: Array<() => void> = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(((
      chunk: Uint8Array,
      callback: () => void,
    ) => {
      held += chunk.length;
      written.push(callback);
      return false;
    }) as typeof process.stdout.write);
    const length = vi.spyOn(process.stdout, 'writableLength', 'get').mockImplementation(() => held);
    try {
      const baton = createBaton({ sources: [], clock: manualClock(), audit: jsonLinesSink() });
      await baton.register('K', 'K:v1');
      await vi.waitFor(() => expect(write).toHaveBeenCalledTimes(1));
      baton.verifyRef('K', 'K:v1');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(write).toHaveBeenCalledTimes(1);
      // The reader takes part of the backlog: still above the slack, delivery keeps waiting.
      held = slack + 10;
      written[0]?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(write).toHaveBeenCalledTimes(1);
      // Below the slack, though not empty (a drain event would still be far off), the
      // waiting line is written.
      held = 4_096;
      written[0]?.();
      await baton.flush();
      expect(write).toHaveBeenCalledTimes(2);
      expect(new TextDecoder().decode(write.mock.calls[1]?.[0] as Uint8Array)).toMatch(
        /"type":"verify_accept"/,
      );
    } finally {
      write.mockRestore();
      length.mockRestore();
    }
  });
});

describe('delivery', () => {
  it('gathers a trickle of events into one write a millisecond, and writes a burst without waiting', async () => {
    const chunks: string[] = [];
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const baton = await registered(
        jsonLinesSink({ writeBytes: (chunk) => void chunks.push(Buffer.from(chunk).toString()) }),
      );
      await baton.flush();
      chunks.length = 0;
      for (let turn = 0; turn < 3; turn++) {
        baton.verifyRef('K', 'K:v1');
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(chunks).toEqual([]);
      vi.advanceTimersByTime(1);
      await vi.waitFor(() => expect(chunks).toHaveLength(1));
      expect(chunks[0]?.trimEnd().split('\n')).toHaveLength(3);
      // A full batch goes after this turn, whatever the timer.
      chunks.length = 0;
      for (let i = 0; i < 300; i++) baton.verifyRef('K', 'K:v1');
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(chunks.join('').trimEnd().split('\n')).toHaveLength(300);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never runs a sink on the caller path: events arrive after the call returns', async () => {
    const events: AuditEvent[] = [];
    const baton = await registered((event: AuditEvent) => events.push(event));
    await baton.flush();
    events.length = 0;
    baton.verifyRef('K', 'K:v1');
    expect(events).toEqual([]);
    await baton.flush();
    expect(events).toHaveLength(1);
  });

  it('fans out to every sink; a throwing sink neither throws into the caller nor starves the others', async () => {
    const telemetry = recordingTelemetry();
    const good: AuditEvent[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const baton = await registered(
        [
          () => {
            throw new Error('sink broke');
          },
          (event: AuditEvent) => good.push(event),
        ],
        { telemetry: telemetry.options },
      );
      expect(baton.verifyRef('K', 'K:v1')).toBe(true);
      await baton.flush();
      expect(good.map((event) => event.type)).toEqual(['register', 'verify_accept']);
      expect(await droppedCount(telemetry, 'sink_error')).toBe(2);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/an audit sink failed/);
    } finally {
      warn.mockRestore();
    }
  });

  it('buffers behind a slow sink and, past the bound, drops new events and counts them', async () => {
    const telemetry = recordingTelemetry();
    const gate = deferred();
    const written: AuditEvent[] = [];
    const slow: AuditSink = {
      async write(events) {
        await gate.promise;
        written.push(...events);
      },
    };
    const baton = createBaton({
      sources: [],
      clock: manualClock(),
      audit: slow,
      auditBufferSize: 10,
      telemetry: telemetry.options,
    });
    await baton.register('K', 'K:v1'); // 1 event, soon in flight
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 25; i++) baton.verifyRef('K', 'K:v1'); // 10 buffered, 15 dropped
    expect(await droppedCount(telemetry, 'overflow')).toBe(15);
    gate.resolve();
    await baton.flush();
    expect(written).toHaveLength(11);
  });

  it('flush waits for asynchronous sinks and close calls their close', async () => {
    const calls: string[] = [];
    const sink: AuditSink = {
      async write(events) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        calls.push(`write:${events.length}`);
      },
      async flush() {
        calls.push('flush');
      },
      async close() {
        calls.push('close');
      },
    };
    const baton = await registered(sink);
    baton.verifyRef('K', 'K:v1');
    await baton.close();
    expect(calls).toEqual(['write:2', 'flush', 'close']);
  });
});

describe('encoding and delivery under load', () => {
  it('writes JSON lines exactly as JSON.stringify would, escapes included', async () => {
    const chunks: string[] = [];
    const objects: AuditEvent[] = [];
    const baton = createBaton({
      sources: [],
      clock: manualClock(),
      audit: [jsonLinesSink({ write: (chunk) => void chunks.push(chunk) }), (e) => objects.push(e)],
    });
    await baton.register('K', 'K:v1', { actor: 'ops "night" shift\\\n\u2028é' });
    await baton.promote('K', 'K:v2', { actor: '</script>' });
    baton.verifyRef('K', 'K:v1');
    baton.verifyRef('K', 'K:v2');
    baton.verifyRef('K', 'K:v9');
    baton.verifyRef('K', 'garbage\u0000"');
    baton.audit({ type: 'rotate_failed', logical: 'K', reason: 'test', error: 'Error' });
    await baton.flush();
    expect(chunks.join('')).toBe(objects.map((event) => `${JSON.stringify(event)}\n`).join(''));
    expect(objects).toHaveLength(7);
  });

  it('writes the same lines as bytes, which stay intact after delivery, across years and slabs', async () => {
    const kept: Uint8Array[] = [];
    const objects: AuditEvent[] = [];
    const clock = manualClock();
    const baton = createBaton({
      sources: [],
      clock,
      audit: [
        jsonLinesSink({ writeBytes: (chunk) => void kept.push(chunk) }),
        (e) => objects.push(e),
      ],
    });
    await baton.register('K', 'K:v1', { actor: 'zoë "night" 🔑\u2028' });
    await baton.promote('K', 'K:v2');
    // Enough lines for several of the encoder's 1 MiB slabs, a millisecond apart in turns, so
    // a recurring event's bytes are rewritten with new times while earlier chunks are kept.
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 1_000; i++) {
        baton.verifyRef('K', i % 3 === 0 ? 'K:v2' : i % 3 === 1 ? 'K:v1' : 'K:v9');
      }
      clock.advance(1);
      await baton.flush();
    }
    // A year past 9999 is written with more digits than the usual ISO time.
    clock.set(Date.UTC(10_000, 0, 1));
    baton.verifyRef('K', 'K:v2');
    baton.verifyRef('K', 'garbage');
    await baton.flush();
    const bytes = Buffer.concat(kept);
    expect(bytes.length).toBeGreaterThan(3 * 1_048_576);
    expect(bytes.toString('utf8')).toBe(
      objects.map((event) => `${JSON.stringify(event)}\n`).join(''),
    );
    expect(objects.at(-2)?.at).toBe('+010000-01-01T00:00:00.000Z');
  });

  it('loses nothing in a burst when the sink keeps up, however far past the bound', async () => {
    const telemetry = recordingTelemetry();
    let delivered = 0;
    const baton = await registered(() => void delivered++, {
      auditBufferSize: 1_000,
      telemetry: telemetry.options,
    });
    await baton.flush();
    delivered = 0;
    for (let i = 0; i < 25_000; i++) baton.verifyRef('K', 'K:v1');
    await baton.flush();
    expect(delivered).toBe(25_000);
    expect(await droppedCount(telemetry, 'overflow')).toBe(0);
  });

  it('lets the event loop run between batches while it drains a burst', async () => {
    let delivered = 0;
    // Each event costs the sink at least 2 µs, so the burst outlasts any one slice on any machine.
    const baton = await registered(() => {
      const until = performance.now() + 0.002;
      while (performance.now() < until) {}
      delivered++;
    });
    await baton.flush();
    delivered = 0;
    for (let i = 0; i < 9_000; i++) baton.verifyRef('K', 'K:v1');
    const seenByATimer = await new Promise<number>((resolve) => {
      const timer = setInterval(() => {
        if (delivered > 0) {
          clearInterval(timer);
          resolve(delivered);
        }
      }, 0);
    });
    expect(seenByATimer).toBeGreaterThan(0);
    expect(seenByATimer).toBeLessThan(9_000);
    await baton.flush();
    expect(delivered).toBe(9_000);
  });

  it('summarises accepts per ref and match when asked, and keeps every rejection', async () => {
    const events: AuditEvent[] = [];
    const clock = manualClock();
    const baton = createBaton({
      sources: [],
      clock,
      audit: (event) => events.push(event),
      auditAccepts: { everyMs: 60_000 },
    });
    await baton.register('K', 'K:v1');
    await baton.promote('K', 'K:v2');
    for (let i = 0; i < 10; i++) baton.verifyRef('K', 'K:v2');
    for (let i = 0; i < 3; i++) baton.verifyRef('K', 'K:v1');
    baton.verifyRef('K', 'K:v7');
    clock.advance(60_000);
    baton.verifyRef('K', 'K:v2');
    await baton.flush();
    const accepts = events.filter((event) => event.type === 'verify_accept');
    expect(accepts).toEqual([
      {
        type: 'verify_accept',
        logical: 'K',
        at: '2030-01-01T00:01:00.000Z',
        ref: 'K:v2',
        match: 'current',
        count: 11,
      },
      {
        type: 'verify_accept',
        logical: 'K',
        at: '2030-01-01T00:01:00.000Z',
        ref: 'K:v1',
        match: 'previous',
        count: 3,
      },
    ]);
    expect(events.filter((event) => event.type === 'verify_reject')).toHaveLength(1);
    await baton.close();
  });

  it('refuses an auditAccepts that is not each or a positive window', () => {
    expect(() => createBaton({ auditAccepts: { everyMs: 0 } })).toThrow(/auditAccepts must be/);
    expect(() => createBaton({ auditAccepts: 'some' as never })).toThrow(/auditAccepts must be/);
  });
});
