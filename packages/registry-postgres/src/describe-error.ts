/**
 * What went wrong, for a `StoreError` message: PostgreSQL's own message and SQLSTATE, or the
 * network error (`ECONNREFUSED`, a timeout). Neither carries a password or a secret value:
 * the registry stores refs only.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (typeof severity === 'string' && typeof code === 'string') {
    return `${error.message} (SQLSTATE ${code})`;
  }
  // Connecting to a name with several addresses fails with an AggregateError without message.
  const message = error.message || (error instanceof AggregateError ? describeAll(error) : '');
  if (typeof code === 'string' && !message.includes(code)) return `${message} (${code})`.trim();
  return message || error.name;
}

function describeAll(error: AggregateError): string {
  return error.errors.map((inner) => describeError(inner)).join('; ');
}
