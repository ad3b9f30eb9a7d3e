/**
 * Errors are values with stable codes. The platform maps them to HTTP in one place
 * (platform/src/http/problem.ts); the runtime never knows about status codes.
 */
export class DocketError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Something named by the caller does not exist (in the caller's tenant). */
export class NotFoundError extends DocketError {
  constructor(message: string, details?: Record<string, unknown>, code = 'NOT_FOUND') {
    super(code, message, details);
  }
}

/** The caller's view is stale: someone else changed the thing first. */
export class ConflictError extends DocketError {
  constructor(message: string, details?: Record<string, unknown>, code = 'CONFLICT') {
    super(code, message, details);
  }
}

/** The request is understood but not acceptable in the current state (e.g. nothing to publish). */
export class StateError extends DocketError {}

/** A definition (or a set of them) failed validation; `issues` lists every problem found. */
export class DefinitionError extends DocketError {
  readonly issues: import('./definitions/issues.ts').DefinitionIssue[];
  constructor(issues: import('./definitions/issues.ts').DefinitionIssue[], message = 'Definition validation failed') {
    const errors = issues.filter((i) => i.severity === 'error').length;
    super('DEF_INVALID', `${message}: ${errors} error(s)`);
    this.issues = issues;
  }
}

/** The caller is known but may not do this (not the assignee, action not offered at this step). */
export class ForbiddenError extends DocketError {
  constructor(message: string, details?: Record<string, unknown>, code = 'FORBIDDEN') {
    super(code, message, details);
  }
}

/** The caller's input is wrong in a way a schema cannot say (a field not editable here, a required value missing). */
export class InputError extends DocketError {}
