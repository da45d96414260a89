/**
 * One line of the service's log: what was asked and how it was answered, with paths, route
 * templates, statuses and reasons. Never a value, a token or a request body.
 */
export interface LogRecord {
  readonly at: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Where log records go. */
export type LogSink = (record: LogRecord) => void;

/** The default sink: one JSON line per record on stdout. */
export const jsonLinesLog: LogSink = (record) => {
  process.stdout.write(`${JSON.stringify(record)}\n`);
};
