import { describe, expect, it } from 'vitest';
import { formatReport, scan } from '../src/index.js';
import { fakeKey } from './support.js';

const report = await scan([{ text: `GITHUB_TOKEN=${fakeKey('githubClassic')}\n`, file: '.env' }]);

describe('formatReport', () => {
  it('text: one block per finding and a summary that says what to do', () => {
    const text = formatReport(report, 'text');
    expect(text).toContain('.env:1:14  github-token  GitHub token');
    expect(text).toContain(`fingerprint ${report.findings[0]?.fingerprint}`);
    expect(text).toMatch(/1 secret found: 1 file/);
    expect(text).toContain('baton:allow');
  });

  it('text: colors only when asked', () => {
    expect(formatReport(report, 'text')).not.toContain('\u001b[');
    expect(formatReport(report, 'text', { color: true })).toContain('\u001b[');
  });

  it('json: the report as data', () => {
    const json = JSON.parse(formatReport(report, 'json'));
    expect(json.findings[0]).toMatchObject({ rule: 'github-token', file: '.env', line: 1 });
    expect(json.stats.files).toBe(1);
  });

  it('sarif: a 2.1.0 log with the rule, location and fingerprint of each result', () => {
    const sarif = JSON.parse(formatReport(report, 'sarif'));
    expect(sarif.version).toBe('2.1.0');
    const [run] = sarif.runs;
    expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(['github-token']);
    expect(run.results[0]).toMatchObject({
      ruleId: 'github-token',
      level: 'error',
      locations: [
        { physicalLocation: { artifactLocation: { uri: '.env' }, region: { startLine: 1 } } },
      ],
      partialFingerprints: { 'batonFingerprint/v1': report.findings[0]?.fingerprint },
    });
  });

  it('refuses an unknown format', () => {
    expect(() => formatReport(report, 'xml' as never)).toThrow(/Unknown report format "xml"/);
  });
});
