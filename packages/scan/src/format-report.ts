import { ScanOptionsError } from './errors.js';
import { IGNORE_FILE } from './ignore-file.js';
import { BUILTIN_RULES } from './rules.js';
import type { ScanReport } from './scan.js';
import { ALLOW_MARK } from './scan-text.js';

export type ReportFormat = 'text' | 'json' | 'sarif';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif'];

/** The caller decides whether color fits (a TTY), so the codes are written here, not detected. */
const ANSI = { bold: 1, dim: 2, red: 31, green: 32 } as const;

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * A report as people (`text`), programs (`json`) or code-scanning tools (`sarif`, 2.1.0)
 * read it. Like findings, the output never holds a secret.
 *
 * @example
 * process.stdout.write(formatReport(report, 'sarif'));
 */
export function formatReport(
  report: ScanReport,
  format: ReportFormat,
  options: { color?: boolean } = {},
): string {
  switch (format) {
    case 'text':
      return formatText(report, options.color ?? false);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(sarif(report), null, 2)}\n`;
    default:
      throw new ScanOptionsError(
        `Unknown report format "${String(format)}"; use one of ${REPORT_FORMATS.join(', ')}`,
      );
  }
}

function formatText(report: ScanReport, color: boolean): string {
  const paint = (style: keyof typeof ANSI, text: string) =>
    color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
  const lines: string[] = [];
  for (const finding of report.findings) {
    const where = `${finding.file}:${finding.line}:${finding.column}`;
    lines.push(`${paint('bold', where)}  ${paint('red', finding.rule)}  ${finding.description}`);
    lines.push(`    ${finding.excerpt}`);
    const commit = finding.commit === undefined ? '' : `  commit ${finding.commit.slice(0, 12)}`;
    lines.push(paint('dim', `    fingerprint ${finding.fingerprint}${commit}`));
  }
  const { stats } = report;
  const count = report.findings.length;
  const scanned = `${stats.files} file${stats.files === 1 ? '' : 's'}${stats.commits > 0 ? ` in ${stats.commits} commit${stats.commits === 1 ? '' : 's'}` : ''} (${formatBytes(stats.bytes)}) in ${(stats.durationMs / 1000).toFixed(2)} s`;
  const skipped = Object.entries(stats.skipped)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  const suppressed = report.suppressed > 0 ? `; ${report.suppressed} in ${IGNORE_FILE}` : '';
  if (count > 0) lines.push('');
  lines.push(
    count === 0
      ? paint('green', `No secrets found: ${scanned}${suppressed}.`)
      : paint('red', `${count} secret${count === 1 ? '' : 's'} found: ${scanned}${suppressed}.`),
  );
  if (skipped !== '') lines.push(paint('dim', `Skipped: ${skipped}.`));
  if (count > 0) {
    lines.push(
      `Remove and rotate each one. If one is not a secret, add \`${ALLOW_MARK}\` to its line or its fingerprint to ${IGNORE_FILE}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${bytes} B`;
}

function sarif(report: ScanReport) {
  const used = new Set(report.findings.map((finding) => finding.rule));
  const rules = BUILTIN_RULES.filter((rule) => used.has(rule.id)).map((rule) => ({
    id: rule.id,
    name: rule.id,
    shortDescription: { text: rule.description },
    defaultConfiguration: { level: 'error' },
  }));
  for (const id of used) {
    if (!rules.some((rule) => rule.id === id)) {
      rules.push({
        id,
        name: id,
        shortDescription: { text: id },
        defaultConfiguration: { level: 'error' },
      });
    }
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'baton-scan', rules } },
        results: report.findings.map((finding) => ({
          ruleId: finding.rule,
          level: 'error',
          message: { text: `${finding.description}: ${finding.excerpt}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(finding.file) },
                region: { startLine: finding.line, startColumn: finding.column },
              },
            },
          ],
          partialFingerprints: { 'batonFingerprint/v1': finding.fingerprint },
          ...(finding.commit === undefined ? {} : { properties: { commit: finding.commit } }),
        })),
      },
    ],
  };
}
