import { describe, expect, it } from 'vitest';
import { displayRef } from './display-ref.js';
import { SecretRefError } from './errors.js';
import { envKey, parseRef, refsEqual, tryParseRef } from './secret-ref.js';

describe('parseRef', () => {
  it('parses an unversioned ref', () => {
    expect(parseRef('OPENAI_KEY')).toEqual({ name: 'OPENAI_KEY', ref: 'OPENAI_KEY' });
  });

  it('parses a versioned ref into its canonical lowercase form', () => {
    expect(parseRef('OPENAI_KEY:V2')).toEqual({
      name: 'OPENAI_KEY',
      version: 2,
      ref: 'OPENAI_KEY:v2',
    });
    expect(parseRef('_private:v10').ref).toBe('_private:v10');
  });

  it('accepts a name of exactly 128 characters and refuses 129', () => {
    expect(parseRef(`A${'b'.repeat(127)}`).name).toHaveLength(128);
    expect(() => parseRef(`A${'b'.repeat(128)}`)).toThrow(/129 characters, at most 128/);
  });

  it.each([
    ['', /it is empty/],
    ['9LIVES', /starts with a digit/],
    ['OPENAI-KEY', /"-" at position 7/],
    ['OPENAI KEY', /a space at position 7/],
    ['KEY:2', /must look like v1, v2/],
    ['KEY:v', /no number after "v"/],
    ['KEY:v0', /positive integer without leading zeros/],
    ['KEY:v01', /positive integer without leading zeros/],
    ['KEY:v1.5', /digits only/],
    ['KEY:v1:v2', /digits only/],
    [':v1', /name before ":" is empty/],
    ['KEY:v1234567890123456', /too large/],
  ])('refuses %j saying what is wrong', (text, message) => {
    expect(() => parseRef(text)).toThrow(SecretRefError);
    expect(() => parseRef(text)).toThrow(message);
  });

  it('never repeats the input in its message, which may be a secret passed by mistake', () => {
    const value = 'sk-live-0123456789abcdef';
    try {
      parseRef(value);
      expect.unreachable();
    } catch (error) {
      expect((error as SecretRefError).code).toBe('BATON_INVALID_REF');
      expect((error as Error).message).not.toContain('0123456789');
    }
  });

  it('names the type of a non-string input', () => {
    expect(() => parseRef(42 as unknown as string)).toThrow(/expected a string, got number/);
    expect(() => parseRef(null as unknown as string)).toThrow(/got null/);
  });
});

describe('tryParseRef', () => {
  it('answers undefined instead of throwing for anything that is not a ref', () => {
    for (const input of [undefined, null, 7, {}, [], '', 'a b', 'X:v0']) {
      expect(tryParseRef(input)).toBeUndefined();
    }
    expect(tryParseRef('X:v3')?.ref).toBe('X:v3');
  });
});

describe('envKey', () => {
  it('maps NAME:vN to NAME_VN and an unversioned ref to its name', () => {
    expect(envKey('OPENAI_KEY:v2')).toBe('OPENAI_KEY_V2');
    expect(envKey('OPENAI_KEY:V12')).toBe('OPENAI_KEY_V12');
    expect(envKey('OPENAI_KEY')).toBe('OPENAI_KEY');
    expect(envKey(parseRef('A:v1'))).toBe('A_V1');
  });
});

describe('refsEqual', () => {
  it('compares canonical forms', () => {
    expect(refsEqual('OPENAI_KEY:V2', 'OPENAI_KEY:v2')).toBe(true);
    expect(refsEqual('OPENAI_KEY:v2', 'OPENAI_KEY:v3')).toBe(false);
    expect(refsEqual('OPENAI_KEY', 'OPENAI_KEY:v1')).toBe(false);
    expect(refsEqual('openai_key', 'OPENAI_KEY')).toBe(false);
  });

  it('throws for a malformed ref', () => {
    expect(() => refsEqual('A:v1', 'A:x')).toThrow(SecretRefError);
  });
});

describe('displayRef', () => {
  it('quotes ordinary refs and describes refs that look like credentials', () => {
    expect(displayRef('OPENAI_KEY:v2')).toBe('OPENAI_KEY:v2');
    expect(displayRef('my_service_api_key_2024')).toBe('my_service_api_key_2024');
    expect(displayRef('AWS_ACCESS_KEY_ID_V2')).toBe('AWS_ACCESS_KEY_ID_V2');
    expect(displayRef('ghp_x7Kq2mP9vL3nR8tY1wZ5aB4cD6eF0gH2')).toBe(
      '<a ref whose 36-character name looks like a credential>',
    );
    expect(displayRef('sk_live_51Hx8Jq2LkT9mN3pQ:v1')).toMatch(/^<a ref whose 25-character name/);
  });
});

describe('tryParseRef against the grammar', () => {
  const grammar = /^([A-Za-z_][A-Za-z0-9_]{0,127})(?::[vV]([1-9][0-9]{0,14}))?$/;
  const alphabet = ['A', 'z', '_', '0', '1', '9', ':', 'v', 'V', ' ', '-', 'é', '\n'];

  it('agrees with the regular expression of SPEC §2 on 20 000 generated inputs', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 20_000; n++) {
      const length = Math.floor(random() * 12);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      if (random() < 0.3) text = `K${text}`;
      const match = grammar.exec(text);
      const expected =
        match === null
          ? undefined
          : match[2] === undefined
            ? { name: match[1], ref: match[1] }
            : {
                name: match[1],
                version: Number(match[2]),
                ref: `${match[1]}:v${Number(match[2])}`,
              };
      expect(tryParseRef(text), JSON.stringify(text)).toEqual(expected);
    }
  });
});
