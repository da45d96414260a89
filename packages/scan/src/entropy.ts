/**
 * Shannon entropy in bits per character: about 4 for random hex, 5.2 to 6 for random
 * base62/base64 of useful length, below 3 for words and repeated characters.
 *
 * @example
 * shannonEntropy('aaaaaaaa'); // 0
 */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const HEX = /^[0-9a-f]+$/i;
const LETTERS = /^[A-Za-z]+$/;

/**
 * Whether a value assigned to a secret-sounding name looks generated rather than written by
 * a person or a program: long enough, varied enough, and not a run of words. This is the
 * entropy test of the generic rules; key shapes with a known prefix do not need it.
 *
 * @example
 * looksRandom('mySecretVariable'); // false
 */
export function looksRandom(value: string): boolean {
  if (value.length < 8) return false;
  const entropy = shannonEntropy(value);
  if (HEX.test(value)) return value.length >= 16 && entropy >= 3;
  // Random letters alone are rare below 20 characters; camelCase identifiers are common.
  if (LETTERS.test(value)) {
    if (value.length < 20) return false;
    const upper = value.replace(/[^A-Z]/g, '').length / value.length;
    return entropy >= 3.8 && upper > 0.2 && upper < 0.8;
  }
  const classes =
    Number(/[a-z]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/[0-9]/.test(value)) +
    Number(/[^A-Za-z0-9]/.test(value));
  if (value.length < 16) return classes >= 3 && entropy >= 2.8;
  return classes >= 2 && entropy >= 3.3;
}
