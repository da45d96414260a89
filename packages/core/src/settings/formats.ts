/** Shapes of well-known API keys, checked by `secret({ format })`. */
export type SecretFormat =
  | 'anthropic'
  | 'openai'
  | 'stripe'
  | 'github'
  | 'slack'
  | 'sendgrid'
  | 'aws-access-key-id';

interface FormatRule {
  readonly pattern: RegExp;
  /** How the value should look, for the error (a shape, never the value). */
  readonly expected: string;
}

/** Patterns say what a key looks like, not what is secret in it: prefixes and alphabets. */
export const SECRET_FORMATS: Readonly<Record<SecretFormat, FormatRule>> = {
  anthropic: {
    pattern: /^sk-ant-[A-Za-z0-9_-]{20,}$/,
    expected: 'an Anthropic API key (sk-ant-…)',
  },
  // An Anthropic key also starts with sk-, and is a common mix-up: refuse it here.
  openai: {
    pattern: /^sk-(?!ant-)[A-Za-z0-9_-]{20,}$/,
    expected: 'an OpenAI API key (sk-… or sk-proj-…)',
  },
  stripe: {
    pattern: /^(sk|rk)_(live|test)_[A-Za-z0-9]{16,}$/,
    expected: 'a Stripe secret key (sk_live_…, sk_test_…, rk_…)',
  },
  github: {
    pattern: /^(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})$/,
    expected: 'a GitHub token (ghp_…, github_pat_…)',
  },
  slack: { pattern: /^xox[abposr]-[A-Za-z0-9-]{10,}$/, expected: 'a Slack token (xoxb-…, xoxp-…)' },
  sendgrid: {
    pattern: /^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/,
    expected: 'a SendGrid API key (SG.….…)',
  },
  'aws-access-key-id': {
    pattern: /^(AKIA|ASIA)[A-Z0-9]{16}$/,
    expected: 'an AWS access key id (AKIA…, ASIA…)',
  },
};
