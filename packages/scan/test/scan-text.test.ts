import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES, scanText } from '../src/index.js';
import { fakeKey } from './support.js';

const scanOf = (text: string, file = 'src/config.ts') => scanText(text, BUILTIN_RULES, { file });

describe('scanText', () => {
  it('names the file, line, column and rule of a finding', () => {
    const token = fakeKey('githubClassic');
    const [finding] = scanOf(`const a = 1;\nconst token = '${token}';\n`);
    expect(finding).toMatchObject({
      rule: 'github-token',
      file: 'src/config.ts',
      line: 2,
      column: 16,
    });
  });

  it('masks the secret in the excerpt and keeps the rest of the line', () => {
    const token = fakeKey('githubClassic');
    const [finding] = scanOf(`const token = '${token}'; // deploy bot\n`);
    expect(finding?.excerpt).toBe(`const token = '${token.slice(0, 6)}********'; // deploy bot`);
  });

  it('masks every secret of a line in each finding of that line', () => {
    const id = fakeKey('awsAccessKeyId');
    const secret = fakeKey('awsSecretAccessKey');
    const findings = scanOf(`aws_access_key_id=${id} aws_secret_access_key=${secret}\n`);
    expect(findings.map((finding) => finding.rule)).toEqual([
      'aws-access-key-id',
      'aws-secret-access-key',
    ]);
    for (const finding of findings) {
      expect(finding.excerpt).not.toContain(id);
      expect(finding.excerpt).not.toContain(secret);
    }
  });

  it('masks a key block continued on the reported line', () => {
    const pem = fakeKey('pkcs8PrivateKey');
    const json = JSON.stringify({ private_key: `${pem}\n` });
    const [finding] = scanOf(json, 'sa.json');
    expect(finding?.rule).toBe('private-key');
    expect(finding?.excerpt).not.toContain(pem.split('\n')[1]);
  });

  it('reports a secret matched by several rules once, by the most specific rule', () => {
    const findings = scanOf(`OPENAI_API_KEY=${fakeKey('openaiProject')}\n`);
    expect(findings.map((finding) => finding.rule)).toEqual(['openai-api-key']);
  });

  it('keeps a fingerprint when the line moves, and gives another file another one', () => {
    const key = fakeKey('anthropic');
    const [first] = scanOf(`KEY=${key}\n`, '.env');
    const [moved] = scanOf(`# moved\n\nKEY=${key}\n`, '.env');
    const [elsewhere] = scanOf(`KEY=${key}\n`, 'deploy/.env');
    expect(moved?.fingerprint).toBe(first?.fingerprint);
    expect(elsewhere?.fingerprint).not.toBe(first?.fingerprint);
  });

  it('skips a line that carries baton:allow', () => {
    const key = fakeKey('stripeLive');
    expect(scanOf(`const fixture = '${key}'; // baton:allow test fixture\n`)).toEqual([]);
  });

  it('counts lines from firstLine for a hunk that starts mid-file', () => {
    const [finding] = scanText(`x\nSLACK=${fakeKey('slackBot')}`, BUILTIN_RULES, {
      file: 'a.env',
      firstLine: 40,
    });
    expect(finding?.line).toBe(41);
  });

  it.each([
    ['a placeholder', 'OPENAI_API_KEY=<your-api-key>'],
    ['a shell reference', `DB_PASSWORD=${'$'}{DB_PASSWORD}`],
    ['an environment read', 'const password = process.env.DB_PASSWORD;'],
    ['a member expression', 'password: settings.databasePassword,'],
    ['a default local connection string', 'postgres://postgres:postgres@localhost:5432/app'],
    ['a low-entropy value', 'password = "aaaaaaaaaaaa"'],
    ['a setting named like a secret', 'PASSWORD_MIN_LENGTH=12'],
    ['a key named public', 'SEARCH_PUBLIC_API_KEY=Zq8v2LmN4pR7sT1uW9xY3a'],
  ])('reports nothing for %s', (_, text) => {
    expect(scanOf(`${text}\n`)).toEqual([]);
  });
});
