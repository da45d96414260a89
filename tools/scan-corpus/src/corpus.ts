import { FAKE_KEYS, pemBlock } from './fake-keys.js';
import { ALL_FORMATS, assignmentLine, type FileFormat, fileWith } from './formats.js';
import { ALNUM, BASE64, BASE64URL, HEX, type Random, seededRandom } from './random.js';

/** One labelled file of the corpus. */
export interface CorpusCase {
  /** Unique, and the folder the file lives in. */
  readonly id: string;
  /** What the case is (`github-token`, `placeholder`, …). */
  readonly kind: string;
  /** Whether the file holds a real secret that a scanner should report. */
  readonly secret: boolean;
  /** The file's path inside the corpus, `id/…`. */
  readonly path: string;
  readonly content: string;
  /** The secret values in the file, for leak checks (empty for negatives). */
  readonly values: readonly string[];
}

interface Made {
  readonly path: string;
  readonly content: string;
  readonly values: readonly string[];
}

interface Spec {
  readonly kind: string;
  readonly secret: boolean;
  readonly make: (r: Random, format: FileFormat) => Made;
  readonly formats?: readonly FileFormat[];
}

const CODE: readonly FileFormat[] = ['ts', 'py', 'json', 'yaml', 'tf', 'properties'];

/** A value assigned to a name, in a file of the case's format. */
function assigned(name: string, value: (r: Random) => string, formats = ALL_FORMATS): Spec['make'] {
  return (r, format) => {
    const fmt = formats.includes(format) ? format : r.pick(formats);
    const secret = value(r);
    return { ...fileWith(fmt, [assignmentLine(fmt, name, secret)], r), values: [secret] };
  };
}

/** A fixed or generated non-secret assigned to a name. */
function plain(name: string, value: (r: Random) => string, formats = ALL_FORMATS): Spec['make'] {
  return (r, format) => {
    const fmt = formats.includes(format) ? format : r.pick(formats);
    return { ...fileWith(fmt, [assignmentLine(fmt, name, value(r))], r), values: [] };
  };
}

/** Lines in a file of one fixed format. */
function lines(
  path: string,
  body: (r: Random) => { text: string; values: string[] },
): Spec['make'] {
  return (r) => {
    const { text, values } = body(r);
    return { path, content: `${text}\n`, values };
  };
}

const key = FAKE_KEYS;
const url = (scheme: string, user: string, password: string, host: string, tail: string) =>
  `${scheme}://${user}:${password}@${host}${tail}`;

const POSITIVES: readonly Spec[] = [
  { kind: 'anthropic-api-key', secret: true, make: assigned('ANTHROPIC_API_KEY', key.anthropic) },
  { kind: 'openai-api-key', secret: true, make: assigned('OPENAI_API_KEY', key.openaiProject) },
  { kind: 'openai-api-key-legacy', secret: true, make: assigned('OPENAI_KEY', key.openaiLegacy) },
  {
    kind: 'aws-access-key-id',
    secret: true,
    make: assigned('AWS_ACCESS_KEY_ID', key.awsAccessKeyId),
  },
  {
    kind: 'aws-secret-access-key',
    secret: true,
    make: assigned('AWS_SECRET_ACCESS_KEY', key.awsSecretAccessKey),
  },
  {
    kind: 'aws-credentials-file',
    secret: true,
    make: lines('home/.aws/credentials', (r) => {
      const id = key.awsAccessKeyId(r);
      const secret = key.awsSecretAccessKey(r);
      return {
        text: `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\nregion = eu-west-1`,
        values: [id, secret],
      };
    }),
  },
  { kind: 'github-token', secret: true, make: assigned('GITHUB_TOKEN', key.githubClassic) },
  {
    kind: 'github-fine-grained-token',
    secret: true,
    make: assigned('GH_PAT', key.githubFineGrained),
  },
  { kind: 'slack-token', secret: true, make: assigned('SLACK_BOT_TOKEN', key.slackBot) },
  {
    kind: 'slack-webhook-url',
    secret: true,
    make: assigned('SLACK_WEBHOOK_URL', key.slackWebhook),
  },
  { kind: 'stripe-secret-key', secret: true, make: assigned('STRIPE_SECRET_KEY', key.stripeLive) },
  {
    kind: 'stripe-restricted-key',
    secret: true,
    make: assigned('STRIPE_API_KEY', key.stripeRestricted),
  },
  { kind: 'google-api-key', secret: true, make: assigned('GOOGLE_MAPS_API_KEY', key.googleApiKey) },
  {
    kind: 'private-key-file',
    secret: true,
    make: (r) => {
      const pem = r.pick([key.rsaPrivateKey, key.pkcs8PrivateKey, key.opensshPrivateKey])(r);
      return {
        path: r.pick(['deploy/id_rsa', 'certs/server.key', 'keys/signing.pem']),
        content: `${pem}\n`,
        values: [pem],
      };
    },
  },
  {
    kind: 'service-account-json',
    secret: true,
    make: (r) => {
      const pem = key.pkcs8PrivateKey(r);
      const json = {
        type: 'service_account',
        project_id: `orders-${r.string(HEX, 6)}`,
        private_key_id: r.string(HEX, 40),
        private_key: `${pem}\n`,
        client_email: `deployer@orders-${r.string(HEX, 6)}.iam.gserviceaccount.com`,
      };
      return {
        path: 'gcp/service-account.json',
        content: `${JSON.stringify(json, null, 2)}\n`,
        values: [pem],
      };
    },
  },
  { kind: 'jwt', secret: true, make: assigned('SUPABASE_SERVICE_ROLE_KEY', key.jwt) },
  {
    kind: 'connection-string',
    secret: true,
    make: assigned('DATABASE_URL', (r) => {
      const scheme = r.pick(['postgres', 'postgresql', 'mysql', 'mongodb+srv', 'rediss', 'amqps']);
      return url(
        scheme,
        key.user(r),
        key.generatedPassword(r).replace(/[#%^]/g, '_'),
        key.host(r),
        '/orders',
      );
    }),
  },
  {
    kind: 'password-generated',
    secret: true,
    make: assigned('DB_PASSWORD', key.generatedPassword),
  },
  { kind: 'password-human', secret: true, make: assigned('ADMIN_PASSWORD', key.humanPassword) },
  { kind: 'hex-secret', secret: true, make: assigned('SESSION_SECRET', key.hexSecret) },
  {
    kind: 'client-secret',
    secret: true,
    make: assigned('OAUTH_CLIENT_SECRET', key.base64Secret, CODE),
  },
  { kind: 'api-token', secret: true, make: assigned('PAYMENTS_API_TOKEN', key.bearerToken) },
  {
    kind: 'bearer-token-in-docs',
    secret: true,
    make: lines('docs/api.md', (r) => {
      const token = key.bearerToken(r);
      return {
        text: `## Try it\n\n\`\`\`sh\ncurl https://api.orders.example.net/v1/orders \\\n  -H "Authorization: Bearer ${token}"\n\`\`\``,
        values: [token],
      };
    }),
  },
];

const placeholders = [
  () => 'sk-...',
  () => ['sk-', 'ant-', 'xxxxxxxxxxxxxxxxxxxxxxxx'].join(''),
  () => '<your-api-key>',
  () => 'your-api-key-here',
  () => ['gh', 'p_', 'x'.repeat(36)].join(''),
  () => ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join(''),
  () => ['wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join(''),
  () => 'changeme',
  () => 'REPLACE_ME',
  () => ['sk', '_live_', 'x'.repeat(24)].join(''),
  () => 'TODO',
  () => '"<insert token>"',
];

// Shell, Actions and Helm syntax, not JavaScript templates.
const $ = '$';
const references = [
  () => `${$}{DB_PASSWORD}`,
  () => `${$}{{ secrets.NPM_TOKEN }}`,
  () => '{{ .Values.apiKey }}',
  () => '$API_TOKEN',
  () => '%APP_SECRET%',
  () => `postgres://app:${$}{DB_PASSWORD}@db.prod.internal:5432/orders`,
];

const masked = [
  () => ['sk-', 'proj-', '*'.repeat(28)].join(''),
  () => '********',
  () => ['AKIA', '*'.repeat(16)].join(''),
  () => ['gh', 'p_', '•'.repeat(16)].join(''),
  () => ['sk-', '…', 'a1b2'].join(''),
  () => '[redacted]',
];

const defaultCredentials = [
  () => url('postgres', 'postgres', 'postgres', 'localhost', ':5432/app'),
  () => url('mysql', 'root', 'root', '127.0.0.1', ':3306/test'),
  () => url('amqp', 'guest', 'guest', 'localhost', ':5672/'),
  () => url('redis', '', 'redis', 'localhost', ':6379/0'),
  () => url('mongodb', 'admin', 'admin', 'mongo', ':27017/app'),
  () => url('postgresql', 'app', 'password', 'db', ':5432/app_test'),
];

const cycle =
  <T>(items: readonly (() => T)[]) =>
  (r: Random) =>
    r.pick(items)();

const NEGATIVES: readonly Spec[] = [
  { kind: 'placeholder', secret: false, make: plain('OPENAI_API_KEY', cycle(placeholders)) },
  { kind: 'placeholder-password', secret: false, make: plain('DB_PASSWORD', cycle(placeholders)) },
  { kind: 'env-reference', secret: false, make: plain('DATABASE_PASSWORD', cycle(references)) },
  {
    kind: 'process-env',
    secret: false,
    make: (r) => {
      const line = r.pick([
        'const apiKey = process.env.OPENAI_API_KEY;',
        "  password: process.env.DB_PASSWORD ?? '',",
        'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
        'token = os.getenv("GITHUB_TOKEN")',
        "  secret: config.get('auth.jwtSecret'),",
        'const stripeSecretKey = import.meta.env.VITE_STRIPE_SECRET;',
        '  clientSecret: settings.oauthClientSecret,',
      ]);
      return { ...fileWith(line.includes('os.') ? 'py' : 'ts', [line], r), values: [] };
    },
  },
  {
    kind: 'uuid',
    secret: false,
    make: (r, format) =>
      plain(r.pick(['REQUEST_ID', 'TENANT_ID', 'AZURE_CLIENT_ID', 'SESSION_TOKEN_ID']), key.uuid)(
        r,
        format,
      ),
  },
  {
    kind: 'git-sha',
    secret: false,
    make: (r) => {
      const sha = key.gitSha(r);
      const line = r.pick([
        `      - uses: actions/checkout@${sha} # v4`,
        `  "gitHead": "${sha}",`,
        `commit: ${sha}`,
        `RELEASE_SHA=${sha}`,
      ]);
      return {
        path: r.pick(['.github/workflows/ci.yml', 'package.json', 'build/info.yml']),
        content: `${line}\n`,
        values: [],
      };
    },
  },
  {
    kind: 'lockfile-integrity',
    secret: false,
    make: (r) => {
      const hash = Buffer.from(r.string(ALNUM, 64)).toString('base64');
      return r.next() < 0.5
        ? {
            path: 'package-lock.json',
            content: `{\n  "packages": {\n    "node_modules/left-pad": {\n      "version": "1.3.0",\n      "integrity": "sha512-${hash}",\n      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"\n    }\n  }\n}\n`,
            values: [],
          }
        : {
            path: 'public/index.html',
            content: `<script src="https://cdn.example.net/app.js" integrity="sha384-${hash.slice(0, 64)}" crossorigin="anonymous"></script>\n`,
            values: [],
          };
    },
  },
  {
    kind: 'data-uri',
    secret: false,
    make: (r) => {
      const data = r.string(BASE64, r.int(120, 400));
      const line = r.pick([
        `.logo { background: url(data:image/png;base64,${data}); }`,
        `<img alt="spinner" src="data:image/gif;base64,${data}">`,
        `  iconToken: "data:image/svg+xml;base64,${data}",`,
      ]);
      return {
        path: r.pick(['src/styles.css', 'public/index.html', 'src/icons.ts']),
        content: `${line}\n`,
        values: [],
      };
    },
  },
  {
    kind: 'public-key',
    secret: false,
    make: (r) =>
      r.pick([
        () => ({
          path: 'keys/signing.pub.pem',
          content: `${pemBlock(r, 'PUBLIC KEY', 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA', 330)}\n`,
          values: [],
        }),
        () => ({
          path: 'deploy/authorized_keys',
          content: `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${r.string(BASE64, 340)} deploy@ci\n`,
          values: [],
        }),
        () => ({
          path: 'infra/keys.tf',
          content: `resource "aws_key_pair" "deploy" {\n  key_name   = "deploy"\n  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${r.string(BASE64, 43)} deploy@ci"\n}\n`,
          values: [],
        }),
      ])(),
  },
  {
    kind: 'certificate',
    secret: false,
    make: (r) => ({
      path: r.pick(['certs/ca.pem', 'config/tls/server.crt']),
      content: `${pemBlock(r, 'CERTIFICATE', 'MIIDdzCCAl+gAwIBAgIE', 1200)}\n`,
      values: [],
    }),
  },
  { kind: 'masked-value', secret: false, make: plain('OPENAI_API_KEY', cycle(masked)) },
  {
    kind: 'default-credentials',
    secret: false,
    make: plain('DATABASE_URL', cycle(defaultCredentials)),
  },
  {
    kind: 'default-password',
    secret: false,
    make: plain('POSTGRES_PASSWORD', (r) => r.pick(['postgres', 'password', 'secret', 'changeit'])),
  },
  {
    kind: 'documentation-jwt',
    secret: false,
    make: lines('docs/auth.md', () => ({
      text: [
        'The token from jwt.io decodes to a sample payload:',
        '',
        '```',
        [
          'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
          'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ',
          'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
        ].join('.'),
        '```',
      ].join('\n'),
      values: [],
    })),
  },
  {
    kind: 'unsigned-jwt',
    secret: false,
    make: plain(
      'TEST_ID_TOKEN',
      (r) =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"${r.string(HEX, 8)}"}`).toString('base64url')}.`,
    ),
  },
  {
    kind: 'publishable-key',
    secret: false,
    make: plain('STRIPE_PUBLISHABLE_KEY', (r) =>
      ['pk', '_live_', '51', r.string(ALNUM, 97)].join(''),
    ),
  },
  {
    kind: 'checksum',
    secret: false,
    make: (r) => {
      const hash = key.sha256(r);
      const line = r.pick([
        `ARG NODE_SHA256=${hash}`,
        `  sha256: ${hash}`,
        `  checksum = "${hash}"`,
        `image: registry.internal/orders@sha256:${hash}`,
      ]);
      return {
        path: r.pick(['Dockerfile', 'deploy/manifest.yml', 'infra/artifacts.tf']),
        content: `${line}\n`,
        values: [],
      };
    },
  },
  {
    kind: 'secret-sounding-setting',
    secret: false,
    make: (r, format) =>
      r.pick([
        plain('PASSWORD_MIN_LENGTH', () => '12'),
        plain('TOKEN_EXPIRY_SECONDS', () => '3600'),
        plain('SECRET_NAME', () => 'prod/orders/database'),
        plain('TOKEN_URL', () => 'https://oauth2.googleapis.com/token'),
        plain('API_KEY_HEADER', () => 'x-api-key'),
        plain('PASSWORD_RESET_PATH', () => '/account/password/reset'),
        plain('SECRET_MANAGER_REGION', () => 'eu-west-1'),
      ])(r, format),
  },
  {
    kind: 'build-hash',
    secret: false,
    make: (r) => ({
      path: 'dist/index.html',
      content: `<script type="module" src="/assets/index-${r.string(BASE64URL.slice(0, 62), 8)}.js"></script>\n<link rel="stylesheet" href="/assets/index-${r.string(HEX, 8)}.css">\n`,
      values: [],
    }),
  },
];

/** Every kind in the corpus, positives then negatives. */
export const CORPUS_KINDS = [...POSITIVES, ...NEGATIVES].map(({ kind, secret }) => ({
  kind,
  secret,
}));

export interface CorpusOptions {
  /** Default 20240601: change it to draw another corpus of the same shape. */
  seed?: number;
  /** Files per kind. Default 30. */
  perKind?: number;
}

/**
 * The labelled corpus: `perKind` files of every kind, each in its own folder, the same for
 * the same seed.
 *
 * @example
 * const cases = makeCorpus({ seed: 7, perKind: 5 });
 */
export function makeCorpus(options: CorpusOptions = {}): CorpusCase[] {
  const r = seededRandom(options.seed ?? 20240601);
  const perKind = options.perKind ?? 30;
  const cases: CorpusCase[] = [];
  for (const spec of [...POSITIVES, ...NEGATIVES]) {
    const formats = spec.formats ?? ALL_FORMATS;
    for (let n = 0; n < perKind; n++) {
      const made = spec.make(r, formats[n % formats.length] as FileFormat);
      const id = `${spec.kind}-${String(n + 1).padStart(3, '0')}`;
      cases.push({
        id,
        kind: spec.kind,
        secret: spec.secret,
        path: `${id}/${made.path}`,
        content: made.content,
        values: made.values,
      });
    }
  }
  return cases;
}
