import { describe, expect, it } from 'vitest';
import { clientFailureMessage } from './client-failure.js';

describe('clientFailureMessage', () => {
  it('quotes an SDK’s own message on one line', () => {
    expect(clientFailureMessage(new Error('Region is missing'))).toBe('Region is missing');
    expect(
      clientFailureMessage(
        new Error('EnvironmentCredential is unavailable.\n  To troubleshoot, …'),
      ),
    ).toBe('EnvironmentCredential is unavailable. To troubleshoot, …');
  });

  it('quotes nothing that holds the value being written, nor an empty or absent message', () => {
    expect(clientFailureMessage(new Error('could not send s3cr3t-value'), 's3cr3t-value')).toBe(
      undefined,
    );
    expect(clientFailureMessage(new Error('  '))).toBe(undefined);
    expect(clientFailureMessage('a thrown string')).toBe(undefined);
    expect(clientFailureMessage(undefined)).toBe(undefined);
  });

  it('bounds a long message', () => {
    const quoted = clientFailureMessage(new Error('x'.repeat(2000)));
    expect(quoted).toHaveLength(500);
    expect(quoted?.endsWith('…')).toBe(true);
  });
});
