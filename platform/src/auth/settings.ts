/** Tunables of sign-in; the defaults are what docs/security.md promises operators. */
export interface AuthSettings {
  /** Mark the session cookie Secure even on plain-HTTP requests (behind a TLS-terminating proxy that does not say so). */
  cookieSecure: boolean;
  /** A session ends this long after sign-in, however active. */
  sessionMaxMs: number;
  /** …or after this long without a request. */
  sessionIdleMs: number;
  /** Consecutive wrong passwords that lock an account, and for how long. */
  lockoutAttempts: number;
  lockoutMs: number;
  /** Login attempts per client IP per minute. */
  loginRateLimit: number;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = {
  cookieSecure: false,
  sessionMaxMs: 7 * 24 * 3600_000,
  sessionIdleMs: 8 * 3600_000,
  lockoutAttempts: 5,
  lockoutMs: 15 * 60_000,
  loginRateLimit: 20,
};
