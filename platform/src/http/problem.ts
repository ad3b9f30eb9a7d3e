import {
  ConflictError,
  DefinitionError,
  type DefinitionIssue,
  DocketError,
  ForbiddenError,
  InputError,
  type Locale,
  NotFoundError,
  StateError,
} from '@docket/runtime';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';

/** RFC 9457 problem details with Docket's stable `code`. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable error code' }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
  },
  { $id: 'Problem', additionalProperties: true },
);

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: unknown[];
  [k: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const localeOf = (req: FastifyRequest): Locale => (/^\s*zh/i.test(String(req.headers['accept-language'] ?? '')) ? 'zh-CN' : 'en');

const issueForClient = (i: DefinitionIssue, locale: Locale) => ({ ...i, message: i.message[locale], messages: i.message });

/** Value errors the runtime raises as plain DocketErrors (durations, instants, time zones). */
const BAD_VALUE_CODES = new Set(['BAD_DURATION', 'BAD_INSTANT', 'BAD_TIME_ZONE']);

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
  FST_REQ_FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  FST_FILES_LIMIT: 'TOO_MANY_FILES',
  FST_PARTS_LIMIT: 'TOO_MANY_PARTS',
  FST_FIELDS_LIMIT: 'TOO_MANY_FIELDS',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'MULTIPART_REQUIRED',
};
/** Input errors with a status of their own. */
const INPUT_STATUS: Record<string, number> = { FILE_TOO_LARGE: 413, FILE_TYPE_REFUSED: 415, FILE_TYPE_NOT_ALLOWED: 415 };

/** The one place errors become HTTP responses. */
export function toProblem(error: unknown, req: FastifyRequest): Problem {
  const locale = localeOf(req);
  const make = (status: number, code: string, detail?: string, extra: Record<string, unknown> = {}): Problem => ({
    type: `urn:docket:error:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    instance: req.url,
    ...extra,
  });
  if (error instanceof DefinitionError) {
    return make(400, error.code, error.message, { errors: error.issues.map((i) => issueForClient(i, locale)) });
  }
  if (error instanceof ConflictError) {
    const issues = (error.details?.issues as DefinitionIssue[] | undefined)?.map((i) => issueForClient(i, locale));
    // Uniqueness conflicts name the fields and the record that already holds the value.
    // Other details (existingId and fields of a uniqueness conflict, currentVersion of a stale write) go along.
    const { issues: _issues, ...rest } = (error.details ?? {}) as Record<string, unknown>;
    return make(409, error.code, error.message, { ...rest, ...(issues ? { errors: issues } : {}) });
  }
  if (error instanceof NotFoundError) return make(404, error.code, error.message);
  if (error instanceof StateError) return make(409, error.code, error.message, error.details ?? {});
  if (error instanceof ForbiddenError) return make(403, error.code, error.message, error.details ?? {});
  if (error instanceof InputError) return make(INPUT_STATUS[error.code] ?? 400, error.code, error.message, error.details ?? {});
  if (error instanceof DocketError && error.code === 'DATA_DIR_LOCKED') return make(503, error.code, error.message);
  if (error instanceof DocketError && BAD_VALUE_CODES.has(error.code)) return make(400, error.code, error.message, error.details ?? {});
  if (error instanceof DocketError && error.code === 'CALENDAR_NEVER_OPEN') return make(409, error.code, error.message);
  const fe = error as FastifyError;
  if (fe?.validation) {
    const where = fe.validationContext ?? 'body';
    return make(400, 'VALIDATION_FAILED', fe.message, {
      errors: fe.validation.map((v) => ({ in: where, pointer: v.instancePath, code: v.keyword, message: v.message, params: v.params })),
    });
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return make(fe.statusCode, FASTIFY_CODES[fe.code] ?? fe.code ?? 'BAD_REQUEST', fe.message);
  }
  return make(500, 'INTERNAL', 'An unexpected error occurred; it has been logged.');
}

export function sendProblem(reply: FastifyReply, problem: Problem) {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
