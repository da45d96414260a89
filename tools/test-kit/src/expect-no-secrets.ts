import { expect } from 'vitest';

/**
 * Fails when any of the secret values occurs in the text; the failure names only the first
 * characters of the leaked value, so the report is not a leak of its own.
 *
 * @example
 * expectNoSecrets(output.text(), [CANARY, CANARY_KEY]);
 */
export function expectNoSecrets(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    expect(text.includes(secret), `a secret value leaked: ${secret.slice(0, 6)}…`).toBe(false);
  }
}
