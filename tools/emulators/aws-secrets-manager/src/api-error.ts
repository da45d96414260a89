/**
 * An error answered the way Secrets Manager answers it: an HTTP status and a JSON body whose
 * `__type` names the error, which the AWS SDKs turn into an exception of that name.
 */
export class ApiError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly status = STATUS[type],
  ) {
    super(message);
    this.name = type;
  }
}

/** The error types the emulator answers, as the Secrets Manager API reference documents them. */
export type ErrorType =
  | 'AccessDeniedException'
  | 'DecryptionFailure'
  | 'InternalServiceError'
  | 'InvalidNextTokenException'
  | 'InvalidParameterException'
  | 'InvalidRequestException'
  | 'MissingAuthenticationTokenException'
  | 'ResourceExistsException'
  | 'ResourceNotFoundException'
  | 'SerializationException'
  | 'ThrottlingException'
  | 'UnknownOperationException';

const STATUS: Record<ErrorType, number> = {
  AccessDeniedException: 400,
  DecryptionFailure: 400,
  // A 5xx status is what makes the SDKs' retry strategies treat it as transient.
  InternalServiceError: 500,
  InvalidNextTokenException: 400,
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  MissingAuthenticationTokenException: 403,
  ResourceExistsException: 400,
  ResourceNotFoundException: 400,
  SerializationException: 400,
  ThrottlingException: 400,
  UnknownOperationException: 400,
};
