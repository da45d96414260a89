/**
 * Words and marks that documentation, templates and masked output use in place of a real
 * value. A candidate containing one is not a finding.
 */
const PLACEHOLDER_MARKS = [
  'example',
  'xxxx',
  'placeholder',
  'your',
  'changeme',
  'change_me',
  'change-me',
  'replace',
  'dummy',
  'sample',
  'redacted',
  'insert',
  'todo',
  'fixme',
  '****',
  '•••',
  '…',
  '...',
  '<',
  '>',
  '12345678',
  'abcdefgh',
];

/** Template and environment syntax: the value lives somewhere else. */
const REFERENCE_MARKS = [
  '${',
  '{{',
  '#{',
  '%(',
  '$(',
  '<%',
  'process.env',
  'import.meta.env',
  'os.environ',
  'getenv',
  'env(',
  'env[',
  'env.',
  'secrets.',
];

const REPEATED = /(.)\1{5,}/;
const SHELL_OR_BATCH_VARIABLE = /^(?:\$[A-Za-z_]|%[A-Za-z_][A-Za-z0-9_]*%$)/;
const MEMBER_EXPRESSION = /^[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)+(?:\(\))?$/;

/**
 * Whether a candidate is a placeholder or a documentation example (`AKIAIOSFODNN7EXAMPLE`,
 * `sk-...`, `<your-key>`, `xxxxx`, masked output) rather than a value.
 *
 * @example
 * isPlaceholder('<your-api-key>'); // true
 */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  for (const mark of PLACEHOLDER_MARKS) if (lower.includes(mark)) return true;
  return REPEATED.test(value);
}

/**
 * Whether a candidate names where the value comes from (`${DB_PASSWORD}`, `process.env.X`,
 * `$TOKEN`, `settings.apiKey`) instead of being the value.
 *
 * @example
 * isReference('process.env.OPENAI_API_KEY', false); // true
 */
export function isReference(value: string, quoted: boolean): boolean {
  const lower = value.toLowerCase();
  for (const mark of REFERENCE_MARKS) if (lower.includes(mark)) return true;
  if (SHELL_OR_BATCH_VARIABLE.test(value)) return true;
  // `config.dbPassword` names a value; `f1zV9.iqJ3b` is one (digits give generated text away).
  return !quoted && MEMBER_EXPRESSION.test(value) && !/[0-9]/.test(value);
}
