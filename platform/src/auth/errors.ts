import { DocketError } from '@docket/runtime';

/**
 * Authentication failures. toProblem (http/problem.ts) maps any 4xx error that carries a
 * `statusCode` and a `code` to problem+json, so these need no entry of their own there.
 */
export class AuthError extends DocketError {
  readonly statusCode: number;
  /** Sent as Retry-After by the server's error handler. */
  readonly retryAfterSeconds: number | undefined;
  constructor(statusCode: 401 | 403 | 429, code: string, message: string, retryAfterSeconds?: number) {
    super(code, message);
    this.statusCode = statusCode;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export const unauthenticated = (message = 'Sign in first: send the docket_session cookie or an Authorization: Bearer token') =>
  new AuthError(401, 'UNAUTHENTICATED', message);
export const invalidCredentials = () => new AuthError(401, 'INVALID_CREDENTIALS', 'The email or password is wrong');
