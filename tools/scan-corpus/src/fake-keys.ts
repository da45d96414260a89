import { ALNUM, BASE64, BASE64URL, DIGITS, HEX, LOWER, type Random, UPPER } from './random.js';

/*
 * Realistic shapes, random bodies: every key is made here at run time, so no key-shaped
 * string is ever committed (and none of them was ever issued by anyone).
 */

const join = (...parts: string[]) => parts.join('');

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function pem(label: string, body: string): string {
  const lines = body.match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join('\n');
}

const WORDS = ['orbit', 'maple', 'harbor', 'copper', 'falcon', 'winter', 'meadow', 'signal'];

/** A fake key of each kind a scanner should find, by a name a team would give it. */
export const FAKE_KEYS = {
  anthropic: (r: Random) => join('sk-', 'ant-', 'api03-', r.string(BASE64URL, 93), 'AA'),
  openaiProject: (r: Random) =>
    join('sk-', 'proj-', r.string(BASE64URL, 74), 'T3Blbk', 'FJ', r.string(BASE64URL, 74)),
  openaiLegacy: (r: Random) =>
    join('sk-', r.string(ALNUM, 20), 'T3Blbk', 'FJ', r.string(ALNUM, 20)),
  awsAccessKeyId: (r: Random) => join('AK', 'IA', r.string(`${UPPER}234567`, 16)),
  awsSecretAccessKey: (r: Random) => r.string(BASE64, 40),
  githubClassic: (r: Random) => join('gh', 'p_', r.string(ALNUM, 36)),
  githubFineGrained: (r: Random) =>
    join('github', '_pat_', r.string(ALNUM, 22), '_', r.string(ALNUM, 59)),
  slackBot: (r: Random) =>
    join('xo', 'xb-', r.string(DIGITS, 11), '-', r.string(DIGITS, 13), '-', r.string(ALNUM, 24)),
  slackWebhook: (r: Random) =>
    join(
      'https://hooks.',
      'slack.com/services/T',
      r.string(UPPER + DIGITS, 8),
      '/B',
      r.string(UPPER + DIGITS, 10),
      '/',
      r.string(ALNUM, 24),
    ),
  stripeLive: (r: Random) => join('sk', '_live_', '51', r.string(ALNUM, 97)),
  stripeRestricted: (r: Random) => join('rk', '_live_', '51', r.string(ALNUM, 97)),
  googleApiKey: (r: Random) => join('AI', 'za', 'Sy', r.string(BASE64URL, 33)),
  rsaPrivateKey: (r: Random) =>
    pem(join('RSA PRIVATE', ' KEY'), join('MIIEow', 'IBAAKCAQEA', r.string(BASE64, 1600))),
  pkcs8PrivateKey: (r: Random) =>
    pem(
      join('PRIVATE', ' KEY'),
      join('MIIEvQ', 'IBADANBgkqhkiG9w0BAQEFAASC', r.string(BASE64, 1560)),
    ),
  opensshPrivateKey: (r: Random) =>
    pem(
      join('OPENSSH PRIVATE', ' KEY'),
      join('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB', r.string(BASE64, 340)),
    ),
  jwt: (r: Random) =>
    [
      base64url(JSON.stringify({ alg: r.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' })),
      base64url(
        JSON.stringify({
          sub: r.string(HEX, 24),
          role: r.pick(['service_role', 'admin', 'worker']),
          iat: r.int(1.6e9, 1.75e9),
          exp: r.int(1.9e9, 2.1e9),
        }),
      ),
      r.string(BASE64URL, 43),
    ].join('.'),
  /** What password managers and `openssl rand` produce. */
  generatedPassword: (r: Random) => r.string(`${ALNUM}!#%^*_-`, r.int(16, 28)),
  /** What people choose when told to use a "strong" password. */
  humanPassword: (r: Random) =>
    join(
      r.pick(WORDS).replace(/^./, (c) => c.toUpperCase()),
      r.pick(['#', '!', '-', '_', '@']),
      r.string(DIGITS, 4),
      r.pick(WORDS),
      r.pick(['!', '?', '$', '%']),
    ),
  hexSecret: (r: Random) => r.string(HEX, r.pick([32, 48, 64])),
  base64Secret: (r: Random) => Buffer.from(r.string(ALNUM, 32)).toString('base64'),
  bearerToken: (r: Random) => r.string(`${ALNUM}._-`, r.int(32, 48)),
  uuid: (r: Random) => [8, 4, 4, 4, 12].map((n) => r.string(HEX, n)).join('-'),
  gitSha: (r: Random) => r.string(HEX, 40),
  sha256: (r: Random) => r.string(HEX, 64),
  user: (r: Random) => r.pick(['app', 'svc_orders', 'billing', 'api_user', 'reporting']),
  host: (r: Random) =>
    join(
      r.pick(['db', 'pg', 'orders-db', 'cache', 'mq']),
      '.',
      r.pick(['prod', 'eu-west-1', 'internal']),
      '.',
      r.string(LOWER, 6),
      '.net',
    ),
} as const;

export type FakeKeyKind = keyof typeof FAKE_KEYS;

/** A PEM block of random base64 under a label (public keys and certificates for negatives). */
export function pemBlock(r: Random, label: string, prefix: string, length: number): string {
  return pem(label, join(prefix, r.string(BASE64, length)));
}
