import { ConfigError } from '@baton/core';
import { SECRET_FORMATS, type SecretFormat } from '@baton/core/settings';
import { isSecretPath, isUnderPrefix } from './secret-path.js';

/** A key's expected shape: a well-known key format of `@baton/core/settings`, or a pattern. */
export type KeyFormat = SecretFormat | { readonly pattern: string };

/**
 * Rules a secret's `data` must follow under a path prefix. A PATCH that breaks one is
 * answered 422 with the rule's `name` and the key concerned, never the value.
 *
 * @example
 * const rule: ValidationRule = {
 *   name: 'stripe-keys',
 *   prefix: 'billing',
 *   requiredKeys: ['value'],
 *   formats: { value: 'stripe' },
 * };
 */
export interface ValidationRule {
  /** Named in the 422 answer and the log. */
  readonly name: string;
  /** Paths under `prefix/` follow the rule; `'*'` for every path. */
  readonly prefix: string;
  /** Keys `data` must have. */
  readonly requiredKeys?: readonly string[];
  /** Keys that must have a shape: `{ value: 'openai' }`, `{ dsn: { pattern: '^postgres://' } }`. */
  readonly formats?: Readonly<Record<string, KeyFormat>>;
  /** Least characters of each value (of `keys`, default every key). */
  readonly minLength?: number;
  /** Least Shannon entropy of each value in bits (of `keys`, default every key). */
  readonly minEntropyBits?: number;
  /** The keys `minLength` and `minEntropyBits` apply to. Default: every key of `data`. */
  readonly keys?: readonly string[];
}

/** Which check of which rule a value broke: what a 422 says. */
export interface RuleViolation {
  readonly rule: string;
  readonly check: 'required' | 'format' | 'min_length' | 'min_entropy';
  readonly key: string;
}

interface CompiledRule {
  readonly rule: ValidationRule;
  readonly patterns: ReadonlyMap<string, RegExp>;
}

/**
 * Checks `data` against the rules of its path. Rules are checked when created: an unknown
 * format or a pattern that does not compile is a `ConfigError` at start-up.
 */
export class Validator {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly ValidationRule[] = []) {
    const problems: string[] = [];
    this.rules = rules.map((rule, index) => {
      const where = `validation rule ${typeof rule?.name === 'string' ? rule.name : `#${index}`}`;
      if (typeof rule?.name !== 'string' || rule.name === '')
        problems.push(`${where}: name is required`);
      if (rule?.prefix !== '*' && !isSecretPath(String(rule?.prefix))) {
        problems.push(`${where}: prefix must be a secret path or '*'`);
      }
      for (const [field, value] of [
        ['minLength', rule?.minLength],
        ['minEntropyBits', rule?.minEntropyBits],
      ] as const) {
        if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
          problems.push(`${where}: ${field} must be a non-negative number`);
        }
      }
      const patterns = new Map<string, RegExp>();
      for (const [key, format] of Object.entries(rule?.formats ?? {})) {
        if (typeof format === 'string') {
          const known = SECRET_FORMATS[format];
          if (known === undefined) {
            problems.push(
              `${where}: format of ${key} must be one of ${Object.keys(SECRET_FORMATS).join(', ')} or { pattern }`,
            );
          } else patterns.set(key, known.pattern);
          continue;
        }
        try {
          patterns.set(key, new RegExp(format.pattern, 'u'));
        } catch {
          problems.push(`${where}: the pattern for ${key} is not a valid regular expression`);
        }
      }
      return { rule, patterns };
    });
    if (problems.length > 0) throw new ConfigError(problems);
  }

  /** The first rule `data` breaks at `path`, or `undefined`. */
  check(path: string, data: Readonly<Record<string, string>>): RuleViolation | undefined {
    for (const { rule, patterns } of this.rules) {
      if (rule.prefix !== '*' && !isUnderPrefix(path, rule.prefix)) continue;
      const fail = (check: RuleViolation['check'], key: string) => ({
        rule: rule.name,
        check,
        key,
      });
      for (const key of rule.requiredKeys ?? []) {
        if (!Object.hasOwn(data, key)) return fail('required', key);
      }
      for (const [key, pattern] of patterns) {
        const value = data[key];
        if (value !== undefined && !pattern.test(value)) return fail('format', key);
      }
      const keys = rule.keys ?? Object.keys(data);
      for (const key of keys) {
        const value = data[key];
        if (value === undefined) continue;
        if (rule.minLength !== undefined && [...value].length < rule.minLength) {
          return fail('min_length', key);
        }
        if (rule.minEntropyBits !== undefined && entropyBits(value) < rule.minEntropyBits) {
          return fail('min_entropy', key);
        }
      }
    }
    return undefined;
  }
}

/** Shannon entropy of the value's characters, times its length: bits if chosen at random. */
export function entropyBits(value: string): number {
  const characters = [...value];
  const counts = new Map<string, number>();
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  let perCharacter = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    perCharacter -= p * Math.log2(p);
  }
  return perCharacter * characters.length;
}
