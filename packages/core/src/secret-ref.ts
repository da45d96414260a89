import { SecretRefError } from './errors.js';

/** A parsed secret reference: `OPENAI_KEY:v2` → `{ name: 'OPENAI_KEY', version: 2, ref: 'OPENAI_KEY:v2' }`. */
export interface ParsedRef {
  readonly name: string;
  /** Absent for an unversioned ref such as `OPENAI_KEY`. */
  readonly version?: number;
  /** The canonical form (lowercase `v`); two refs are equal when their canonical forms are. */
  readonly ref: string;
}

/** Longest name a ref may carry. */
export const MAX_REF_NAME_LENGTH = 128;

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `NAME` or `NAME:vN`. Throws {@link SecretRefError} saying what is wrong; the message
 * never repeats the input, which may be a secret passed by mistake.
 *
 * @example
 * parseRef('OPENAI_KEY:V2'); // { name: 'OPENAI_KEY', version: 2, ref: 'OPENAI_KEY:v2' }
 */
export function parseRef(text: string): ParsedRef {
  const parsed = tryParseRef(text);
  if (parsed === undefined) throw new SecretRefError(explainInvalidRef(text));
  return parsed;
}

/**
 * Like {@link parseRef} but answers `undefined` instead of throwing: for untrusted input.
 * A hand-written scanner rather than the regular expression: it runs on every rejected
 * `verifyRef`, and allocates nothing beyond the result when the input is already canonical.
 */
export function tryParseRef(text: unknown): ParsedRef | undefined {
  if (typeof text !== 'string') return undefined;
  const length = text.length;
  if (length === 0 || !isNameStart(text.charCodeAt(0))) return undefined;
  let index = 1;
  while (index < length && isNameChar(text.charCodeAt(index))) index++;
  if (index > MAX_REF_NAME_LENGTH) return undefined;
  if (index === length) return { name: text, ref: text };
  // After the name: ":" then "v" or "V", then 1–15 digits without a leading zero.
  const digitsStart = index + 2;
  const digitCount = length - digitsStart;
  if (text.charCodeAt(index) !== 58 || (text.charCodeAt(index + 1) | 32) !== 118) return undefined;
  if (digitCount < 1 || digitCount > 15 || text.charCodeAt(digitsStart) === 48) return undefined;
  let version = 0;
  for (let at = digitsStart; at < length; at++) {
    const digit = text.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) return undefined;
    version = version * 10 + digit;
  }
  const name = text.slice(0, index);
  const ref = text.charCodeAt(index + 1) === 118 ? text : `${name}:v${version}`;
  return { name, version, ref };
}

function isNameStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 48 && code <= 57);
}

/**
 * The environment key of a ref: `OPENAI_KEY:v2` → `OPENAI_KEY_V2`, `OPENAI_KEY` → `OPENAI_KEY`.
 *
 * @example
 * envKey('OPENAI_KEY:v2'); // 'OPENAI_KEY_V2'
 */
export function envKey(ref: string | ParsedRef): string {
  const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
  return parsed.version === undefined ? parsed.name : `${parsed.name}_V${parsed.version}`;
}

/**
 * Whether two refs name the same secret version (`OPENAI_KEY:V2` equals `OPENAI_KEY:v2`).
 * Throws {@link SecretRefError} when either is malformed.
 *
 * @example
 * refsEqual('OPENAI_KEY:V2', 'OPENAI_KEY:v2'); // true
 */
export function refsEqual(a: string | ParsedRef, b: string | ParsedRef): boolean {
  return toParsed(a).ref === toParsed(b).ref;
}

/** Accepts a ref as text or parsed. */
export function toParsed(ref: string | ParsedRef): ParsedRef {
  return typeof ref === 'string' ? parseRef(ref) : ref;
}

/** Throws unless `logical` is a valid ref name (the logical name of a rotated secret). */
export function assertLogicalName(logical: string): void {
  if (
    typeof logical !== 'string' ||
    !NAME_PATTERN.test(logical) ||
    logical.length > MAX_REF_NAME_LENGTH
  ) {
    throw new SecretRefError(
      `Invalid logical name: ${explainInvalidRef(logical).replace(/^Invalid secret ref: /, '')}`,
    );
  }
}

/** Builds the message for input that does not parse, naming the problem but not the input. */
function explainInvalidRef(text: unknown): string {
  const prefix = 'Invalid secret ref: ';
  if (typeof text !== 'string') return `${prefix}expected a string, got ${kindOf(text)}`;
  if (text.length === 0) return `${prefix}it is empty`;
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  if (name.length === 0) return `${prefix}the name before ":" is empty`;
  if (name.length > MAX_REF_NAME_LENGTH) {
    return `${prefix}the name has ${name.length} characters, at most ${MAX_REF_NAME_LENGTH} are allowed`;
  }
  if (/^[0-9]/.test(name)) return `${prefix}the name starts with a digit (use a letter or "_")`;
  const bad = /[^A-Za-z0-9_]/.exec(name);
  if (bad !== null) {
    return `${prefix}the name has ${describeChar(bad[0])} at position ${bad.index + 1}; names use letters, digits and "_" (like OPENAI_KEY or OPENAI_KEY:v2)`;
  }
  const version = text.slice(colon + 1);
  if (!/^[vV]/.test(version)) return `${prefix}the version must look like v1, v2, … (after ":")`;
  if (version.length === 1) return `${prefix}the version has no number after "v"`;
  if (/^[vV]0/.test(version)) {
    return `${prefix}the version number must be a positive integer without leading zeros`;
  }
  if (!/^[vV][0-9]+$/.test(version)) return `${prefix}the version after "v" must be digits only`;
  return `${prefix}the version number is too large`;
}

function describeChar(char: string): string {
  if (char === ' ') return 'a space';
  if (/\s/.test(char)) return 'whitespace';
  if (/[\x21-\x7e]/.test(char)) return `"${char}"`;
  return 'a non-ASCII or control character';
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
