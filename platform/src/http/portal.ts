import type { RecordService } from '@docket/runtime/records/records.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { type AuthDeps, principalOf } from '../auth/plugin.ts';
import {
  ApplicationBody,
  applyForVerification,
  latestVerification,
  listVerifications,
  RegisterBody,
  registerPortalUser,
  VERIFICATION_ATTEMPTS_PER_DAY,
  VerificationSchema,
  VerificationStatusSchema,
} from '../auth/portal.ts';
import { approveVerification, createPortalAccount, PortalAccountBody, rejectVerification } from '../auth/portal-review.ts';
import { can } from '../auth/rules.ts';
import { UserSchema, Uuid } from '../auth/schemas.ts';
import { ProblemRef } from './schemas.ts';

export interface PortalRouteOptions {
  auth: AuthDeps;
  records: RecordService;
}

const tags = ['portal'];
const errors = { 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef };
const IdParam = Type.Object({ id: Uuid });
/** Reviewing applications links users to customer records: the same grant that edits a user's contactId. */
const REVIEW = { resource: 'user', action: 'update' } as const;

/** Customer / resident portal: self sign-up and owner verification (seed 000, 业主认证), and the staff review queue. */
export const portalRoutes: FastifyPluginAsyncTypebox<PortalRouteOptions> = async (app, { auth, records }) => {
  const { orm, settings } = auth;

  app.post(
    '/api/portal/register',
    {
      config: { auth: { public: true }, rateLimit: { max: settings.loginRateLimit, timeWindow: 60_000 } },
      schema: {
        summary: 'Sign up for the portal (customer role, not yet linked to a customer record)',
        description:
          'Always 201 with the same body for a well-formed request, whether or not the email already has an account (then nothing is created): ' +
          'sign-up cannot be used to find out which emails exist. Sign in with POST /api/auth/login, then apply for verification. ' +
          `Malformed fields: 400 naming the field (phone: FIELD_PHONE). More than ${settings.loginRateLimit} attempts a minute from one address: 429 RATE_LIMITED.`,
        tags,
        body: RegisterBody,
        response: { 201: Type.Object({ email: Type.String(), next: Type.String() }), 400: ProblemRef, 429: ProblemRef },
      },
    },
    async (req, reply) => {
      const { email } = await registerPortalUser(orm.em.fork(), req.body, req.ip);
      return reply.status(201).send({ email, next: 'Sign in with POST /api/auth/login, then apply with POST /api/portal/verification' });
    },
  );

  app.post(
    '/api/portal/verification',
    {
      config: { auth: { authenticated: true } },
      schema: {
        summary: 'Apply for owner verification: name, mobile and ID number are matched against the customer archive',
        description:
          'Exactly one customer record with the same name, phone and ID number (not linked to another account) → verified, and the account is linked to it at once; ' +
          'otherwise pending until staff approve or reject. A new application withdraws a pending one. ' +
          `Bad fields: 400 naming them (FIELD_ID_NUMBER, FIELD_PHONE). Portal accounts only (403 PORTAL_ONLY); already linked: 409 ALREADY_VERIFIED; ` +
          `more than ${VERIFICATION_ATTEMPTS_PER_DAY} applications in 24 hours: 429 TOO_MANY_VERIFICATIONS.`,
        tags,
        body: ApplicationBody,
        response: { 201: VerificationSchema, ...errors, 429: ProblemRef },
      },
    },
    async (req, reply) => reply.status(201).send(await applyForVerification(orm.em.fork(), records, principalOf(req), req.body, req.ip)),
  );

  app.get(
    '/api/portal/verification',
    {
      config: { auth: { authenticated: true } },
      schema: {
        summary: 'Your latest verification application and its status',
        description: '404 NO_VERIFICATION when you have not applied yet.',
        tags,
        response: { 200: VerificationSchema, 401: ProblemRef, 404: ProblemRef },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return latestVerification(orm.em.fork(), p.tenantId, p.userId);
    },
  );

  app.get(
    '/api/portal/verifications',
    {
      config: { auth: REVIEW },
      schema: {
        summary: 'Verification applications, newest first (staff review queue: ?status=pending)',
        description: 'Phones are masked for callers without record:viewSensitive. Page with ?before=<last id>.',
        tags,
        querystring: Type.Object(
          {
            status: Type.Optional(VerificationStatusSchema),
            before: Type.Optional(Uuid),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(VerificationSchema) }), ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return { items: await listVerifications(orm.em.fork(), p.tenantId, req.query, can(p, 'record', 'viewSensitive')) };
    },
  );

  app.post(
    '/api/portal/verifications/:id/approve',
    {
      config: { auth: REVIEW },
      schema: {
        summary: 'Approve a pending application by choosing the customer record: the user is linked to it',
        description:
          '`checks` says whether the record’s name, phone and ID number agree with the application. Unknown record: 400 UNKNOWN_RECORD; not pending: 409 VERIFICATION_DECIDED.',
        tags,
        params: IdParam,
        body: Type.Object({ recordId: Uuid }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            verification: VerificationSchema,
            checks: Type.Object({ name: Type.Boolean(), phone: Type.Boolean(), idNumber: Type.Boolean() }),
          }),
          ...errors,
        },
      },
    },
    async (req) => approveVerification(orm.em.fork(), records, principalOf(req), req.params.id, req.body.recordId, req.ip),
  );

  app.post(
    '/api/portal/verifications/:id/reject',
    {
      config: { auth: REVIEW },
      schema: {
        summary: 'Reject a pending application; the applicant sees the reason and may apply again',
        tags,
        params: IdParam,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 200: VerificationSchema, ...errors },
      },
    },
    async (req) => rejectVerification(orm.em.fork(), principalOf(req), req.params.id, req.body.reason, req.ip),
  );

  app.post(
    '/api/portal/accounts',
    {
      config: { auth: { resource: 'user', action: 'create' } },
      schema: {
        summary: 'Open a portal account for a customer record directly (already linked; customer role)',
        description: 'Granting the customer role needs role:assign, as for POST /api/users. Unknown record: 400 UNKNOWN_RECORD; taken email: 409 EMAIL_TAKEN.',
        tags,
        body: PortalAccountBody,
        response: { 201: UserSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await createPortalAccount(orm.em.fork(), records, principalOf(req), req.body, auth.roles, req.ip)),
  );
};
