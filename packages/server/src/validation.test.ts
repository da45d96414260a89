import { describe, expect, it } from 'vitest';
import { entropyBits, Validator } from './validation.js';

describe('Validator', () => {
  it('refuses rules it cannot apply at start-up, every problem named', () => {
    expect(
      () =>
        new Validator([
          { name: '', prefix: 'a' },
          { name: 'bad-prefix', prefix: 'a/../b' },
          { name: 'bad-format', prefix: 'a', formats: { value: 'nope' as 'openai' } },
          { name: 'bad-pattern', prefix: 'a', formats: { value: { pattern: '(' } } },
          { name: 'bad-length', prefix: 'a', minLength: -1 },
        ]),
    ).toThrow(
      /name is required[\s\S]*bad-prefix: prefix[\s\S]*bad-format: format of value[\s\S]*bad-pattern: the pattern[\s\S]*bad-length: minLength/,
    );
  });

  it('applies a rule to the paths under its prefix only, and * to every path', () => {
    const validator = new Validator([
      { name: 'billing', prefix: 'billing', requiredKeys: ['value'] },
      { name: 'all', prefix: '*', formats: { dsn: { pattern: '^postgres://' } } },
    ]);
    expect(validator.check('billing/x', {})).toEqual({
      rule: 'billing',
      check: 'required',
      key: 'value',
    });
    expect(validator.check('billing', {})).toBeUndefined();
    expect(validator.check('billing-evil/x', {})).toBeUndefined();
    expect(validator.check('any/x', { dsn: 'mysql://x' })).toEqual({
      rule: 'all',
      check: 'format',
      key: 'dsn',
    });
  });

  it('measures entropy as bits of the value if its characters were drawn at random', () => {
    expect(entropyBits('aaaaaaaa')).toBe(0);
    expect(entropyBits('abcdefgh')).toBe(24);
    expect(entropyBits('')).toBe(0);
  });
});
