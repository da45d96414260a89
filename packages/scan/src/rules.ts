import { looksRandom, shannonEntropy } from './entropy.js';
import { isPlaceholder, isReference } from './placeholder.js';

/** What a rule's check sees of a candidate. */
export interface Candidate {
  /** The secret part of the match (the `secret` group, or the whole match). */
  readonly secret: string;
  /** The regular expression match, with its named groups. */
  readonly match: RegExpExecArray;
  /** Whether the value stood in quotes (`"…"`, `'…'`, `` `…` ``). */
  readonly quoted: boolean;
}

/**
 * One kind of secret. `pattern` must have the `g` flag and may name the secret part with a
 * `(?<secret>…)` group; `keywords` (lowercase) are a cheap filter: the pattern only runs on
 * text that contains one of them. Rules earlier in the list win when two match one secret.
 */
export interface Rule {
  readonly id: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly pattern: RegExp;
  /** Answers `false` to drop a candidate (placeholders, low entropy, default passwords). */
  readonly check?: (candidate: Candidate) => boolean;
}

/** Values a tutorial or a compose file uses for local databases: not secrets. */
const DEFAULT_PASSWORDS = new Set([
  'admin',
  'changeit',
  'guest',
  'mysql',
  'pass',
  'passw0rd',
  'password',
  'postgres',
  'redis',
  'root',
  'secret',
  'test',
  'toor',
]);

const LOCAL_HOSTS =
  /^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|host\.docker\.internal|db|database|postgres|postgresql|mysql|mariadb|mongo|mongodb|redis|rabbitmq)$/i;

/** The signature of jwt.io's example token, which tutorials paste everywhere. */
const EXAMPLE_JWT_SIGNATURES = new Set(['SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c']);

const notPlaceholder = ({ secret }: Candidate) => !isPlaceholder(secret);

/** A key with a known prefix: not a placeholder, and its random part is not one character repeated. */
const randomBody =
  (prefixLength: number, minEntropy = 3) =>
  ({ secret }: Candidate) =>
    !isPlaceholder(secret) && shannonEntropy(secret.slice(prefixLength)) >= minEntropy;

/** The start of a token: not inside a longer identifier or base64 run. */
const START = '(?<![A-Za-z0-9_/+-])';
/** The end of a token. */
const END = '(?![A-Za-z0-9_-])';

function decodeBase64Url(text: string): string | undefined {
  try {
    return atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return undefined;
  }
}

function isSignedJwt({ secret }: Candidate): boolean {
  const [header, , signature = ''] = secret.split('.');
  if (EXAMPLE_JWT_SIGNATURES.has(signature) || signature.length < 16) return false;
  const json = decodeBase64Url(header ?? '');
  if (json === undefined) return false;
  try {
    const parsed = JSON.parse(json) as { alg?: unknown };
    return typeof parsed.alg === 'string' && parsed.alg.toLowerCase() !== 'none';
  } catch {
    return false;
  }
}

function isPrivateKeyBody({ secret }: Candidate): boolean {
  const body = secret
    .replace(/\\[nr]/g, '')
    .replace(/^[A-Za-z-]+:.*$/gm, '')
    .replace(/[^A-Za-z0-9+/=]/g, '');
  // Not isPlaceholder: real key bodies hold runs of A (zero bytes), which it would reject.
  const documented = /\.\.\.|…|<|x{4,}|your|redacted|example/i.test(secret);
  return body.length >= 64 && !documented && shannonEntropy(body) >= 4.5;
}

function isRealPassword({ secret, match }: Candidate): boolean {
  const user = match.groups?.user ?? '';
  const host = match.groups?.host ?? '';
  let password = secret;
  try {
    password = decodeURIComponent(secret);
  } catch {
    // A stray % is part of the password as written.
  }
  if (isPlaceholder(password) || isReference(password, true)) return false;
  if (/^[:$]?[A-Za-z_]*pass(?:word)?[A-Za-z_]*$/i.test(password)) return false;
  if (DEFAULT_PASSWORDS.has(password.toLowerCase()) || password === user) return false;
  if (LOCAL_HOSTS.test(host)) return looksRandom(password);
  return password.length >= 8 && shannonEntropy(password) >= 2.5;
}

function isGeneratedValue({ secret, quoted, match }: Candidate): boolean {
  if (isPlaceholder(secret) || isReference(secret, quoted)) return false;
  // A token shaped like a JWT is one only when signed.
  if (/^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(secret)) return isSignedJwt({ secret, quoted, match });
  if (secret.includes('://') || secret.startsWith('data:')) return false;
  // A path, a key name or a file name, not a value.
  if (/^[\w.-]*\/[\w./-]*$/.test(secret) && !/[A-Z0-9].*[A-Z0-9].*[A-Z0-9]/.test(secret)) {
    return false;
  }
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(secret)) return false;
  if (DEFAULT_PASSWORDS.has(secret.toLowerCase()) || !looksRandom(secret)) return false;
  return !isPublicName(match, secret);
}

/** Whether the whole name (the match starts at its secret word) says public or publishable. */
function isPublicName(match: RegExpExecArray, secret: string): boolean {
  let start = match.index;
  while (start > 0 && start > match.index - 64 && /[\w.-]/.test(match.input[start - 1] ?? ''))
    start--;
  const name = match.input.slice(start, match.index + match[0].length - secret.length);
  return /public|publishable/i.test(name);
}

/** Names under which a value is a secret, anywhere inside an identifier. */
const SECRET_NAME =
  '(?:passw(?:or)?d|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key|credentials?)';

/**
 * The rules `scan` uses unless given others, most specific first.
 *
 * @example
 * const ids = BUILTIN_RULES.map((rule) => rule.id);
 */
export const BUILTIN_RULES: readonly Rule[] = [
  {
    id: 'private-key',
    description: 'Private key block',
    keywords: ['private key'],
    pattern:
      /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?<secret>[\s\S]{1,12000}?)-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----/g,
    check: isPrivateKeyBody,
  },
  {
    id: 'anthropic-api-key',
    description: 'Anthropic API key',
    keywords: ['sk-ant-'],
    pattern: new RegExp(`${START}sk-ant-[a-z0-9]{2,12}-[A-Za-z0-9_-]{32,200}${END}`, 'g'),
    check: randomBody(13),
  },
  {
    id: 'openai-api-key',
    description: 'OpenAI API key',
    keywords: ['sk-'],
    pattern: new RegExp(
      `${START}sk-(?!ant-)(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,200}${END}`,
      'g',
    ),
    check: ({ secret, match, quoted }) =>
      /[0-9]/.test(secret) && randomBody(3, 3.5)({ secret, match, quoted }),
  },
  {
    id: 'aws-access-key-id',
    description: 'AWS access key id',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g,
    check: randomBody(4, 2.5),
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key',
    keywords: ['aws'],
    pattern:
      /aws[\w.-]{0,30}?(?:secret|sk)[\w.-]{0,30}["']?\s*(?::=|=>|=|:)\s*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    check: ({ secret }) => !isPlaceholder(secret) && shannonEntropy(secret) >= 4,
  },
  {
    id: 'github-token',
    description: 'GitHub token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    pattern: new RegExp(
      `${START}(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})${END}`,
      'g',
    ),
    check: randomBody(4),
  },
  {
    id: 'slack-token',
    description: 'Slack token',
    keywords: ['xox'],
    pattern: new RegExp(`${START}xox[abposre]-(?:[0-9]{6,}-)+[A-Za-z0-9-]{10,}${END}`, 'g'),
    check: randomBody(5),
  },
  {
    id: 'slack-webhook-url',
    description: 'Slack incoming webhook URL',
    keywords: ['hooks.slack.com'],
    pattern:
      /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{16,}/g,
    check: notPlaceholder,
  },
  {
    id: 'stripe-secret-key',
    description: 'Stripe live secret or restricted key',
    keywords: ['sk_live_', 'rk_live_'],
    pattern: new RegExp(`${START}(?:sk|rk)_live_[A-Za-z0-9]{20,247}${END}`, 'g'),
    check: randomBody(8),
  },
  {
    id: 'google-api-key',
    description: 'Google API key',
    keywords: ['aiza'],
    pattern: new RegExp(`${START}AIza[0-9A-Za-z_-]{35}${END}`, 'g'),
    check: randomBody(4),
  },
  {
    id: 'jwt',
    description: 'Signed JSON Web Token',
    keywords: ['eyj'],
    pattern: new RegExp(
      `${START}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}${END}`,
      'g',
    ),
    check: isSignedJwt,
  },
  {
    id: 'connection-string',
    description: 'Connection string with a password',
    keywords: ['://'],
    pattern:
      /(?<![A-Za-z0-9+.-])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|ftps?|sftp|smtps?|https?|ldaps?)(?:\+[a-z0-9]+)?:\/\/(?<user>[^:@/\s'"`]*):(?<secret>[^@/\s'"`]{3,200})@(?<host>\[[0-9a-f:]+\]|[^/\s'"`?:,;]+)/gi,
    check: isRealPassword,
  },
  {
    id: 'bearer-token',
    description: 'Bearer token in an Authorization header',
    keywords: ['bearer'],
    pattern: /\bbearer\s+(?<secret>[A-Za-z0-9._~+/-]{20,}=*)(?![A-Za-z0-9._~+/=-])/gi,
    check: isGeneratedValue,
  },
  {
    id: 'generic-secret',
    description: 'Secret assigned to a secret-sounding name',
    keywords: ['pass', 'pwd', 'secret', 'token', 'key', 'credential'],
    // Starts at the secret word itself (not at the name's start): a leading [\w.-]*? would
    // be tried at every position of every file. `check` reads the rest of the name.
    pattern: new RegExp(
      `${SECRET_NAME}[\\w.-]*["']?[ \\t]*(?::=|=>|=|:)[ \\t]*(?<quote>["'\`]?)(?<secret>[^\\s"'\`;,<>{}()\\[\\]\\\\]{8,200})\\k<quote>`,
      'gi',
    ),
    check: isGeneratedValue,
  },
];
