import { HttpException, HttpStatus } from '@nestjs/common';
import { TOO_LARGE_BODY, UNAUTHORIZED_BODY, UNAVAILABLE_BODY } from './constants.js';

/**
 * 401 with exactly `{"error":"unauthorized"}` (Nest's own `UnauthorizedException` would add
 * `statusCode` and `message`). The reason is in the audit event, never in the answer.
 */
export class BatonUnauthorizedException extends HttpException {
  constructor() {
    super(UNAUTHORIZED_BODY, HttpStatus.UNAUTHORIZED);
  }
}

/** 503 `{"error":"unavailable"}`: the ref was accepted but its secret could not be read. */
export class BatonUnavailableException extends HttpException {
  constructor(options?: { cause?: unknown }) {
    super(UNAVAILABLE_BODY, HttpStatus.SERVICE_UNAVAILABLE, options);
  }
}

/** 413 `{"error":"payload_too_large"}`: a signed body beyond `maxBodyBytes`. */
export class BatonBodyTooLargeException extends HttpException {
  constructor() {
    super(TOO_LARGE_BODY, HttpStatus.PAYLOAD_TOO_LARGE);
  }
}
