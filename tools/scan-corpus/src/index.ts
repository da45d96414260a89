export type { CorpusCase, CorpusOptions } from './corpus.js';
export { CORPUS_KINDS, makeCorpus } from './corpus.js';
export type { FakeKeyKind } from './fake-keys.js';
export { FAKE_KEYS } from './fake-keys.js';
export type { LargeTree } from './large-tree.js';
export { writeLargeTree } from './large-tree.js';
export type { Random } from './random.js';
export { seededRandom } from './random.js';
export type { Scanner, ScannerRun } from './scanners.js';
export {
  batonScanner,
  GIT_SECRETS_ALLOWED,
  GIT_SECRETS_PATTERNS,
  gitSecretsScanner,
  secretlintScanner,
} from './scanners.js';
export type { Score } from './score.js';
export { score } from './score.js';
export { writeCorpus } from './write-corpus.js';
