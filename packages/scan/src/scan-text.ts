import type { Finding } from './finding.js';
import { fingerprint } from './fingerprint.js';
import { maskedExcerpt } from './mask.js';
import type { Rule } from './rules.js';

/** Where a text came from, for the findings' locations. */
export interface TextOrigin {
  /** Shown as the finding's file. */
  readonly file: string;
  /** The line number of the text's first line (a diff hunk starts mid-file). Default 1. */
  readonly firstLine?: number;
  readonly commit?: string;
}

/** The comment that silences findings on its own line. */
export const ALLOW_MARK = 'baton:allow';

interface Candidate {
  readonly rule: Rule;
  readonly priority: number;
  readonly start: number;
  readonly end: number;
  readonly secret: string;
}

/**
 * Finds secrets in one text with the given rules. Findings come sorted by position; a secret
 * matched by several rules is reported once, by the earliest rule.
 *
 * @example
 * const findings = scanText(source, BUILTIN_RULES, { file: 'src/config.ts' });
 */
export function scanText(text: string, rules: readonly Rule[], origin: TextOrigin): Finding[] {
  const found = keywordsIn(text.toLowerCase(), rules);
  const candidates: Candidate[] = [];
  rules.forEach((rule, priority) => {
    if (!rule.keywords.some((keyword) => found.has(keyword))) return;
    // Scanning is synchronous, so sharing the rule's own expression is safe.
    const pattern = rule.pattern;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (match[0].length === 0) {
        pattern.lastIndex++;
        continue;
      }
      const secret = match.groups?.secret ?? match[0];
      const offset = match[0].lastIndexOf(secret);
      const quoted = (match.groups?.quote ?? '') !== '';
      if (rule.check !== undefined && !rule.check({ secret, match, quoted })) {
        // Let a shorter match start inside this one (a key name inside a longer name).
        pattern.lastIndex = match.index + 1;
        continue;
      }
      const start = match.index + offset;
      candidates.push({ rule, priority, start, end: start + secret.length, secret });
    }
  });
  if (candidates.length === 0) return [];
  return report(text, origin, keepFirstRule(candidates));
}

const keywordPatterns = new WeakMap<readonly Rule[], { pattern: RegExp; keywords: string[] }>();

/**
 * The rules' keywords that occur in a lowercased text, in one pass: a search per keyword
 * read every file some thirty times. The longest keyword is tried first at each position,
 * and a keyword inside a found one (`sk-` in `sk-ant-`) counts as found.
 */
function keywordsIn(lower: string, rules: readonly Rule[]): Set<string> {
  let entry = keywordPatterns.get(rules);
  if (entry === undefined) {
    const keywords = [...new Set(rules.flatMap((rule) => rule.keywords))].sort(
      (a, b) => b.length - a.length,
    );
    const escaped = keywords.map((keyword) => keyword.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    entry = { pattern: new RegExp(escaped.join('|'), 'g'), keywords };
    keywordPatterns.set(rules, entry);
  }
  const found = new Set<string>();
  const { pattern, keywords } = entry;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(lower); match !== null; match = pattern.exec(lower)) {
    found.add(match[0]);
  }
  for (const keyword of keywords) {
    if (!found.has(keyword) && [...found].some((other) => other.includes(keyword)))
      found.add(keyword);
  }
  return found;
}

function keepFirstRule(candidates: Candidate[]): Candidate[] {
  const kept: Candidate[] = [];
  for (const candidate of [...candidates].sort((a, b) => a.priority - b.priority)) {
    const overlaps = kept.some(
      (other) => candidate.start < other.end && other.start < candidate.end,
    );
    if (!overlaps) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}

function report(text: string, origin: TextOrigin, kept: readonly Candidate[]): Finding[] {
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
    lineStarts.push(at + 1);
  }
  const findings: Finding[] = [];
  for (const candidate of kept) {
    const index = lineIndex(lineStarts, candidate.start);
    const lineStart = lineStarts[index] ?? 0;
    const next = lineStarts[index + 1];
    const lineEnd = next === undefined ? text.length : next - 1;
    const lineText = text.slice(lineStart, lineEnd);
    if (lineText.includes(ALLOW_MARK)) continue;
    findings.push({
      rule: candidate.rule.id,
      description: candidate.rule.description,
      file: origin.file,
      line: (origin.firstLine ?? 1) + index,
      column: candidate.start - lineStart + 1,
      fingerprint: fingerprint(candidate.rule.id, origin.file, candidate.secret),
      excerpt: maskedExcerpt(text, lineStart, lineEnd, kept, candidate.start),
      ...(origin.commit === undefined ? {} : { commit: origin.commit }),
    });
  }
  return findings;
}

function lineIndex(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineStarts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}
