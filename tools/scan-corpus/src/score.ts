import type { CorpusCase } from './corpus.js';
import type { ScannerRun } from './scanners.js';

/** A scanner's result on the labelled corpus, one decision per file. */
export interface Score {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly trueNegatives: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Per kind: how many of its files the scanner flagged. */
  readonly flaggedByKind: ReadonlyMap<string, number>;
}

/**
 * Scores a run: a case counts as flagged when the scanner reported anything in its file.
 *
 * @example
 * const { precision, recall, f1 } = score(cases, run);
 */
export function score(cases: readonly CorpusCase[], run: ScannerRun): Score {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const flaggedByKind = new Map<string, number>();
  for (const item of cases) {
    const flagged = run.flagged.has(item.path);
    if (flagged) flaggedByKind.set(item.kind, (flaggedByKind.get(item.kind) ?? 0) + 1);
    if (item.secret && flagged) tp++;
    else if (item.secret) fn++;
    else if (flagged) fp++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    trueNegatives: tn,
    precision,
    recall,
    f1,
    flaggedByKind,
  };
}
