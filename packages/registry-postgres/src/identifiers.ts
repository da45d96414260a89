/** PostgreSQL truncates identifiers longer than this (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_LENGTH = 63;
/** Leaves room for the names derived from the table: `<table>_history_by_logical`. */
export const MAX_TABLE_LENGTH = MAX_IDENTIFIER_LENGTH - '_history_by_logical'.length;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a schema or table name: letters, digits and underscores, not starting with a
 * digit, at most `maxLength` characters. Names are then always quoted, so they are used
 * exactly as given (case included). Returns the problem, if any.
 */
export function identifierProblem(
  value: unknown,
  what: string,
  maxLength = MAX_IDENTIFIER_LENGTH,
): string | undefined {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    return `${what} must be letters, digits and underscores, not starting with a digit`;
  }
  if (value.length > maxLength) return `${what} must be at most ${maxLength} characters`;
  return undefined;
}

/** Quotes a checked identifier for SQL text. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
