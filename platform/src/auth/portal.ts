import { ForbiddenError, InputError, NotFoundError, StateError, TenantRepository } from '@docket/runtime';
import { idNumberDefect, localDate, maskValue } from '@docket/runtime/forms/index.ts';
import { MOBILE } from '@docket/runtime/forms/types/text.ts';
import { tenantTimeZone } from '@docket/runtime/records/numbering.ts';
import type { RecordService } from '@docket/runtime/records/records.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hash } from '@node-rs/argon2';
import Type, { type Static, type TSchema } from 'typebox';
import { v7 as uuidv7 } from 'uuid';
import { AuthError } from './errors.ts';
import { UUID } from './identity.ts';
import { type FieldError, refuse } from './membership.ts';
import { hashPassword } from './passwords.ts';
import type { Principal } from './rules.ts';
import { appendSystemLog } from './system-log.ts';

/**
 * Portal sign-up and owner verification (seed 000, 业主认证): a resident registers, applies with
 * name + mobile + ID number, and is linked to the one customer record holding all three; anything
 * else waits for staff, who approve by choosing the record or reject.
 */
export const PORTAL_ROLE = 'customer';
export const CUSTOMER_TYPE = 'customer';
/** Applications per user per 24 hours: each one is an oracle for "does this person exist in the archive". */
export const VERIFICATION_ATTEMPTS_PER_DAY = 5;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
export const VerificationStatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('rejected'), Type.Literal('withdrawn')]);
export const VerificationSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  phone: Type.String({ description: 'Masked (138****5678) for staff without record:viewSensitive' }),
  idNumberLast4: Type.String({ description: 'Only the last 4 characters are kept in clear; the rest is an argon2id hash' }),
  status: VerificationStatusSchema,
  recordId: Nullable(Type.String({ format: 'uuid', description: 'The customer record the user is linked to (verified)' })),
  decidedBy: Nullable(Type.Union([Type.Literal('match'), Type.Literal('staff')], { description: 'match: the archive matched automatically' })),
  reviewedBy: Nullable(Type.String({ format: 'uuid' })),
  reviewedAt: Nullable(DateTime),
  reason: Nullable(Type.String()),
  createdAt: DateTime,
});
export type Verification = Static<typeof VerificationSchema>;
export type VerificationStatus = Static<typeof VerificationStatusSchema>;

export const RegisterBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 10, maxLength: 1024, description: 'At least 10 characters' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.String({ minLength: 1, maxLength: 40, description: 'Mainland China mobile number' }),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Tenant slug; required when the deployment hosts several tenants' })),
  },
  { additionalProperties: false },
);
export const ApplicationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.String({ minLength: 1, maxLength: 40, description: 'Mainland China mobile number' }),
    idNumber: Type.String({ minLength: 1, maxLength: 40, description: 'Resident ID number (18 characters, checksum verified)' }),
  },
  { additionalProperties: false },
);
export type RegisterInput = Static<typeof RegisterBody>;
export type ApplicationInput = Static<typeof ApplicationBody>;

// Normalised forms: archive and application compare equal however spaces (李 雷 = 李雷) and case were typed.
export const normalName = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
export const normalPhone = (s: string) =>
  s
    .normalize('NFKC')
    .replace(/[\s()-]/g, '')
    .replace(/^\+?86(?=1\d{10}$)/, '');
export const normalIdNumber = (s: string) => s.normalize('NFKC').replace(/\s/g, '').toUpperCase();

export const fieldError = (field: string, code: string, message: string): FieldError => ({ field, pointer: `/${field}`, code, message });
const phoneError = (phone: string) =>
  MOBILE.test(phone) ? [] : [fieldError('phone', 'FIELD_PHONE', 'Enter a mainland China mobile number: 11 digits starting with 1 (13x–19x)')];

/** The tenant a sign-up names, or the only one there is. */
async function signUpTenant(em: EntityManager, slug: string | undefined): Promise<string> {
  const tenants = await new TenantRepository().list(em);
  const found = slug === undefined ? (tenants.length === 1 ? tenants[0] : undefined) : tenants.find((t) => t.slug === slug);
  if (found) return found.id;
  const [code, message] =
    slug === undefined ? ['TENANT_REQUIRED', 'tenant is required: this deployment hosts several tenants'] : ['UNKNOWN_TENANT', `No tenant "${slug}"`];
  throw new InputError(code, message, { errors: [fieldError('tenant', code, message)] });
}

/**
 * Self sign-up: an active, unlinked user with the portal role. A taken email answers exactly
 * like a new one (same body, same argon2 work) and creates nothing, so sign-up cannot probe emails.
 */
export async function registerPortalUser(em: EntityManager, input: RegisterInput, ip?: string): Promise<{ email: string }> {
  const tenantId = await signUpTenant(em, input.tenant);
  const email = input.email.trim().toLowerCase();
  const phone = normalPhone(input.phone);
  const nameErrors = input.name.trim() ? [] : [fieldError('name', 'FIELD_REQUIRED', 'Enter your name')];
  refuse([...nameErrors, ...phoneError(phone)], 'The sign-up has invalid fields');
  const passwordHash = await hashPassword(input.password);
  const id = uuidv7();
  await em.transactional(async (tx) => {
    const inserted = await tx.execute<{ id: string }[]>(
      `insert into app_user (tenant_id, id, email, name, phone, password_hash, roles) values (?, ?, ?, ?, ?, ?, array[?]::text[])
       on conflict (tenant_id, email) do nothing returning id`,
      [tenantId, id, email, input.name.trim(), phone, passwordHash, PORTAL_ROLE],
    );
    const created = inserted.length > 0;
    await appendSystemLog(tx, tenantId, {
      action: created ? 'portal.registered' : 'portal.register.duplicate',
      actorId: created ? id : null,
      actor: email,
      subject: created ? `user:${id}` : `email:${email}`,
      ip: ip ?? null,
    });
  });
  return { email };
}

const SELECT = `select v.id, v.user_id, u.email, v.name, v.phone, v.id_number_last4, v.status, v.record_id, v.reviewed_by, v.reviewed_at, v.reason, v.created_at
  from portal_verification v join app_user u on u.tenant_id = v.tenant_id and u.id = v.user_id`;
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

function viewOf(r: Record<string, unknown>, showPhone = true): Verification {
  const status = r.status as VerificationStatus;
  const decided = status === 'verified' || status === 'rejected';
  return {
    id: r.id as string,
    userId: r.user_id as string,
    email: r.email as string,
    name: r.name as string,
    phone: showPhone ? (r.phone as string) : (maskValue('phone', r.phone) as string),
    idNumberLast4: r.id_number_last4 as string,
    status,
    recordId: (r.record_id as string | null) ?? null,
    decidedBy: decided ? (r.reviewed_by ? 'staff' : 'match') : null,
    reviewedBy: (r.reviewed_by as string | null) ?? null,
    reviewedAt: iso(r.reviewed_at),
    reason: (r.reason as string | null) ?? null,
    createdAt: iso(r.created_at) as string,
  };
}

export async function loadVerification(em: EntityManager, tenantId: string, id: string, lock = false): Promise<Verification> {
  const [row] = UUID.test(id)
    ? await em.execute<Record<string, unknown>[]>(`${SELECT} where v.tenant_id = ? and v.id = ?${lock ? ' for update of v' : ''}`, [tenantId, id])
    : [];
  if (!row) throw new NotFoundError(`No verification application ${id}`, { verification: id }, 'VERIFICATION_NOT_FOUND');
  return viewOf(row);
}

/** The caller's newest application. */
export async function latestVerification(em: EntityManager, tenantId: string, userId: string): Promise<Verification> {
  const [row] = await em.execute<Record<string, unknown>[]>(`${SELECT} where v.tenant_id = ? and v.user_id = ? order by v.created_at desc, v.id desc limit 1`, [
    tenantId,
    userId,
  ]);
  if (!row) throw new NotFoundError('You have not applied for verification yet', {}, 'NO_VERIFICATION');
  return viewOf(row);
}

export interface VerificationQuery {
  status?: VerificationStatus;
  /** Applications older than this id (the previous page's last id). */
  before?: string;
  limit?: number;
}

/** The staff queue, newest first. */
export async function listVerifications(em: EntityManager, tenantId: string, q: VerificationQuery, showPhone: boolean): Promise<Verification[]> {
  const where = ['v.tenant_id = ?'];
  const params: unknown[] = [tenantId];
  if (q.status) {
    where.push('v.status = ?');
    params.push(q.status);
  }
  if (q.before) {
    where.push('v.id < ?::uuid');
    params.push(q.before);
  }
  params.push(q.limit ?? 50);
  const rows = await em.execute<Record<string, unknown>[]>(`${SELECT} where ${where.join(' and ')} order by v.id desc limit ?`, params);
  return rows.map((r) => viewOf(r, showPhone));
}

/** Checked application data: refuses with every bad field named. */
async function checkedApplication(em: EntityManager, tenantId: string, input: ApplicationInput) {
  const name = input.name.normalize('NFKC').trim().replace(/\s+/g, ' ');
  const phone = normalPhone(input.phone);
  const idNumber = normalIdNumber(input.idNumber);
  const errors = name ? [] : [fieldError('name', 'FIELD_REQUIRED', 'Enter your name')];
  errors.push(...phoneError(phone));
  const defect = idNumberDefect(idNumber, localDate(new Date(), await tenantTimeZone(em, tenantId)));
  if (defect) errors.push(fieldError('idNumber', 'FIELD_ID_NUMBER', `Not a valid resident ID number: ${defect.reason}`));
  refuse(errors, 'The application has invalid fields');
  return { name, phone, idNumber };
}

/** Customer records holding exactly this name, mobile and ID number (sensitive values compared, never returned). */
async function archiveMatches(records: RecordService, tenantId: string, a: { name: string; phone: string; idNumber: string }): Promise<string[]> {
  const system = { userId: 'system', viewSensitive: true };
  const page = await records.list(tenantId, system, CUSTOMER_TYPE, { filters: [{ field: 'data.phone', op: 'eq', value: a.phone }], limit: 200 }).catch((e) => {
    // A tenant without the customer record type has no archive to match: the application waits for staff.
    if (e instanceof NotFoundError) return { items: [] };
    throw e;
  });
  return page.items
    .filter((r) => normalName(String(r.data.name ?? '')) === normalName(a.name) && normalIdNumber(String(r.data.idNumber ?? '')) === a.idNumber)
    .map((r) => r.id);
}

/** Locks the user's row (serialising their applications) and refuses an account that is already linked. */
export async function lockApplicant(em: EntityManager, tenantId: string, userId: string): Promise<{ contactId: string | null }> {
  const [u] = await em.execute<{ contact_id: string | null }[]>('select contact_id from app_user where tenant_id = ? and id = ? for update', [
    tenantId,
    userId,
  ]);
  if (!u) throw new NotFoundError(`No user ${userId}`, { user: userId });
  return { contactId: u.contact_id };
}

async function linkedElsewhere(em: EntityManager, tenantId: string, recordId: string, userId: string): Promise<boolean> {
  const rows = await em.execute('select 1 from app_user where tenant_id = ? and contact_id = ? and id <> ? limit 1', [tenantId, recordId, userId]);
  return rows.length > 0;
}

async function attemptsToday(em: EntityManager, tenantId: string, userId: string): Promise<void> {
  const [window] = await em.execute<{ n: number; retry: number | null }[]>(
    `select count(*)::int as n, ceil(extract(epoch from min(created_at) + interval '1 day' - now()))::int as retry
       from portal_verification where tenant_id = ? and user_id = ? and created_at > now() - interval '1 day'`,
    [tenantId, userId],
  );
  if ((window?.n ?? 0) >= VERIFICATION_ATTEMPTS_PER_DAY)
    throw new AuthError(
      429,
      'TOO_MANY_VERIFICATIONS',
      `At most ${VERIFICATION_ATTEMPTS_PER_DAY} verification applications a day; try again later`,
      Math.max(1, window?.retry ?? 3600),
    );
}

/**
 * A portal user applies for owner verification. Exactly one matching customer record, not yet
 * linked to another account → verified and linked at once; otherwise pending for staff. A newer
 * application withdraws the caller's pending ones. `em` must not be in a transaction: the archive
 * is read first, then one transaction writes (PGlite is a single session).
 */
export async function applyForVerification(
  em: EntityManager,
  records: RecordService,
  p: Principal,
  input: ApplicationInput,
  ip?: string,
): Promise<Verification> {
  if (!p.portal) throw new ForbiddenError('Owner verification is for portal (customer) accounts', {}, 'PORTAL_ONLY');
  const a = await checkedApplication(em, p.tenantId, input);
  await attemptsToday(em, p.tenantId, p.userId);
  const matches = await archiveMatches(records, p.tenantId, a);
  const idNumberHash = await hash(a.idNumber);
  return em.transactional(async (tx) => {
    if ((await lockApplicant(tx, p.tenantId, p.userId)).contactId)
      throw new StateError('ALREADY_VERIFIED', 'This account is already linked to a customer record');
    // Again under the lock: concurrent applications cannot slip past the daily limit.
    await attemptsToday(tx, p.tenantId, p.userId);
    const only = matches.length === 1 ? (matches[0] as string) : null;
    const recordId = only && !(await linkedElsewhere(tx, p.tenantId, only, p.userId)) ? only : null;
    await tx.execute(
      `update portal_verification set status = 'withdrawn', reason = 'superseded by a newer application'
        where tenant_id = ? and user_id = ? and status = 'pending'`,
      [p.tenantId, p.userId],
    );
    const id = uuidv7();
    await tx.execute(
      `insert into portal_verification (tenant_id, id, user_id, name, phone, id_number_hash, id_number_last4, status, record_id, reviewed_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ${recordId ? 'now()' : 'null'})`,
      [p.tenantId, id, p.userId, a.name, a.phone, idNumberHash, a.idNumber.slice(-4), recordId ? 'verified' : 'pending', recordId],
    );
    if (recordId) await link(tx, p.tenantId, p.userId, recordId);
    await appendSystemLog(tx, p.tenantId, {
      action: recordId ? 'portal.verification.matched' : 'portal.verification.pending',
      actorId: p.userId,
      actor: p.email,
      subject: `user:${p.userId}`,
      ip: ip ?? null,
      details: { verification: id, ...(recordId ? { record: recordId } : { candidates: matches.length }) },
    });
    return loadVerification(tx, p.tenantId, id);
  });
}

export async function link(em: EntityManager, tenantId: string, userId: string, recordId: string): Promise<void> {
  await em.execute('update app_user set contact_id = ?, updated_at = now() where tenant_id = ? and id = ?', [recordId, tenantId, userId]);
}

/**
 * Overwrites what residents typed when applying to the portal as this customer: applications
 * linked to the record, and those of the accounts linked to it. The ID-number hash goes too.
 */
export async function eraseVerifications(em: EntityManager, tenantId: string, recordId: string): Promise<number> {
  const rows = await em.execute<{ id: string }[]>(
    `update portal_verification v
        set name = '****', phone = '****', id_number_hash = '$argon2id$erased', id_number_last4 = '****', erased_at = now()
      where v.tenant_id = ? and v.erased_at is null
        and (v.record_id = ? or v.user_id in (select u.id from app_user u where u.tenant_id = v.tenant_id and u.contact_id = ?))
      returning v.id`,
    [tenantId, recordId, recordId],
  );
  return rows.length;
}
