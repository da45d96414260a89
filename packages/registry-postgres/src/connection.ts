/**
 * The PostgreSQL building blocks of the registry store, for other Baton packages that keep
 * state in PostgreSQL (the secrets API): a LISTEN connection that reconnects and resyncs,
 * deadlines on queries, error descriptions without values, and identifier checks.
 */
export type { ChangeFeedOptions } from './change-feed.js';
export { ChangeFeed } from './change-feed.js';
export { withDeadline } from './deadline.js';
export { describeError } from './describe-error.js';
export { identifierProblem, quoteIdentifier } from './identifiers.js';
