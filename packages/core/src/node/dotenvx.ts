import { basename } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * Values dotenvx encrypted (`dotenvx encrypt`): `encrypted:` and the base64 of an ECIES
 * ciphertext made with the file's public key. The private key that opens them is named after
 * the file (`DOTENV_PRIVATE_KEY` for `.env`, `DOTENV_PRIVATE_KEY_PRODUCTION` for
 * `.env.production`), or after the `DOTENV_PUBLIC_KEY…` entry the file carries.
 */
const PREFIX = 'encrypted:';
const CIPHERTEXT = /^encrypted:[A-Za-z0-9+/]+={0,2}$/;
const PUBLIC_KEY = 'DOTENV_PUBLIC_KEY';
const PRIVATE_KEY = 'DOTENV_PRIVATE_KEY';

/** dotenvx reports each failure by these codes; told to ignore them, it writes nothing. */
const QUIET = [
  'MISSING_PRIVATE_KEY',
  'INVALID_PRIVATE_KEY',
  'WRONG_PRIVATE_KEY',
  'MALFORMED_ENCRYPTED_DATA',
  'DECRYPTION_FAILED',
];

/** Whether a value of a `.env` file is a dotenvx ciphertext. */
export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The name of the private key that opens a file's values, as dotenvx names it. */
export function privateKeyName(values: Readonly<Record<string, string>>, path: string): string {
  for (const key of Object.keys(values)) {
    if (key.startsWith(PUBLIC_KEY)) return PRIVATE_KEY + key.slice(PUBLIC_KEY.length);
  }
  let file = basename(path).toLowerCase();
  if (file.endsWith('.txt')) file = file.slice(0, -4);
  if (file === '.env') return PRIVATE_KEY;
  const parts = file.split('.').slice(2);
  const environment =
    parts.length === 0 ? file.replace('.env', 'development') : parts.slice(0, 2).join('_');
  return `${PRIVATE_KEY}_${environment.toUpperCase()}`;
}

interface DotenvxParse {
  parse(source: string, options: Record<string, unknown>): Record<string, string>;
}

let dotenvx: Promise<DotenvxParse> | undefined;

/** `@dotenvx/dotenvx`, imported the first time an encrypted value is met (it is an optional peer). */
function loadDotenvx(): Promise<DotenvxParse> {
  dotenvx ??= import('@dotenvx/dotenvx').then(
    (module) => module as unknown as DotenvxParse,
    (error: unknown) => {
      dotenvx = undefined;
      throw error;
    },
  );
  return dotenvx;
}

/**
 * Decrypts one dotenvx value. Errors name the key, the file and what to install or set;
 * never the ciphertext or the private key.
 */
export async function decryptDotenvx(input: {
  key: string;
  value: string;
  path: string;
  keyName: string;
  keysPath: string | undefined;
  privateKey: string;
}): Promise<string> {
  const { key, value, path, keyName, keysPath, privateKey } = input;
  const where = `${key} in ${path}`;
  if (!CIPHERTEXT.test(value)) {
    throw new ConfigError(
      `dotenvSource: ${where} starts with "encrypted:" but is not a dotenvx ciphertext; encrypt it again with dotenvx encrypt`,
    );
  }
  if (privateKey === '') {
    throw new ConfigError(
      `dotenvSource: ${where} is encrypted (dotenvx) and no private key was found: set ${keyName} ` +
        `in the environment${keysPath === undefined ? '' : ` or in ${keysPath}`}`,
    );
  }
  let module: DotenvxParse;
  try {
    module = await loadDotenvx();
  } catch (error) {
    throw new ConfigError(
      `dotenvSource: ${where} is encrypted (dotenvx); install @dotenvx/dotenvx to decrypt it (npm install @dotenvx/dotenvx)`,
      { cause: error },
    );
  }
  // One line quoted with single quotes: dotenvx expands nothing and substitutes no command in
  // it, and the ciphertext (base64) cannot close the quotes.
  const decrypted = module.parse(`VALUE='${value}'`, {
    processEnv: {},
    privateKey,
    ignore: QUIET,
  }).VALUE;
  if (decrypted === undefined || isEncrypted(decrypted)) {
    throw new ConfigError(
      `dotenvSource: ${where} could not be decrypted with ${keyName}: the private key does not ` +
        'belong to this file, or the value was damaged',
    );
  }
  return decrypted;
}
