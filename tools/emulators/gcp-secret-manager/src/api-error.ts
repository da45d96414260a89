/**
 * An error answered the way Google APIs answer over HTTP: the status's HTTP code and a body
 * `{"error":{"code","message","status","details"}}`, which google-gax turns into a GoogleError
 * whose `code` is the gRPC status.
 */
export class ApiError extends Error {
  readonly httpCode: number;

  constructor(
    readonly status: RpcStatus,
    message: string,
    readonly details: readonly Record<string, unknown>[] = [],
  ) {
    super(message);
    this.name = status;
    this.httpCode = HTTP_CODE[status];
  }

  /** The JSON body Google APIs answer with. */
  body(): { error: Record<string, unknown> } {
    return {
      error: {
        code: this.httpCode,
        message: this.message,
        status: this.status,
        ...(this.details.length === 0 ? {} : { details: this.details }),
      },
    };
  }
}

/** The canonical statuses the emulator answers (google.rpc.Code). */
export type RpcStatus =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE';

/** The HTTP code of each status, as the Google API design guide maps them. */
const HTTP_CODE: Record<RpcStatus, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** A `google.rpc.ErrorInfo` detail, as Google APIs attach to quota and permission errors. */
export function errorInfo(
  reason: string,
  domain: string,
  metadata: Record<string, string>,
): Record<string, unknown> {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain, metadata };
}
