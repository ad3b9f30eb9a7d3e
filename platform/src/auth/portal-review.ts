import { InputError, NotFoundError, StateError } from '@docket/runtime';
import { MOBILE } from '@docket/runtime/forms/types/text.ts';
import type { RecordService } from '@docket/runtime/records/records.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { verify } from '@node-rs/argon2';
import Type, { type Static } from 'typebox';
import { UUID } from './identity.ts';
import { refuse } from './membership.ts';
import {
  CUSTOMER_TYPE,
  fieldError,
  link,
  loadVerification,
  lockApplicant,
  normalIdNumber,
  normalName,
  normalPhone,
  PORTAL_ROLE,
  type Verification,
} from './portal.ts';
import type { RoleCatalog } from './role-catalog.ts';
import type { Principal } from './rules.ts';
import { appendSystemLog } from './system-log.ts';
import { createUser, type UserInput, type UserView } from './users-store.ts';

/** Staff side of owner verification (seed 000): review pending applications, or open a linked account directly. */
async function pendingOrRefuse(em: EntityManager, tenantId: string, id: string): Promise<Verification> {
  const v = await loadVerification(em, tenantId, id, true);
  if (v.status !== 'pending')
    throw new StateError('VERIFICATION_DECIDED', `This application is ${v.status}; only pending ones are reviewed`, { current: v.status });
  return v;
}

/** How the chosen record compares with the application, for the reviewer's eyes. */
export interface ApprovalChecks {
  name: boolean;
  phone: boolean;
  idNumber: boolean;
}

/** The chosen customer record, read outside any transaction; an unknown one is a 400 naming recordId. */
async function chosenRecord(records: RecordService, by: Principal, recordId: string) {
  try {
    return await records.get(by.tenantId, { userId: by.userId, viewSensitive: true }, CUSTOMER_TYPE, recordId);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    const message = `No customer record ${recordId}`;
    throw new InputError('UNKNOWN_RECORD', message, { errors: [fieldError('recordId', 'UNKNOWN_RECORD', message)] });
  }
}

/** Staff approve a pending application by choosing the customer record: the user is linked to it. */
export async function approveVerification(
  em: EntityManager,
  records: RecordService,
  by: Principal,
  id: string,
  recordId: string,
  ip?: string,
): Promise<{ verification: Verification; checks: ApprovalChecks }> {
  const record = await chosenRecord(records, by, recordId);
  const [stored] = UUID.test(id)
    ? await em.execute<{ id_number_hash: string }[]>('select id_number_hash from portal_verification where tenant_id = ? and id = ?', [by.tenantId, id])
    : [];
  const recordIdNumber = normalIdNumber(String(record.data.idNumber ?? ''));
  const idNumberMatches = Boolean(stored && recordIdNumber) && (await verify(stored?.id_number_hash ?? '', recordIdNumber).catch(() => false));
  return em.transactional(async (tx) => {
    const v = await pendingOrRefuse(tx, by.tenantId, id);
    const applicant = await lockApplicant(tx, by.tenantId, v.userId);
    if (applicant.contactId && applicant.contactId !== recordId)
      throw new StateError('ALREADY_VERIFIED', 'This account is already linked to another customer record', { contactId: applicant.contactId });
    const checks: ApprovalChecks = {
      name: normalName(String(record.data.name ?? '')) === normalName(v.name),
      phone: normalPhone(String(record.data.phone ?? '')) === v.phone,
      idNumber: idNumberMatches,
    };
    await tx.execute(`update portal_verification set status = 'verified', record_id = ?, reviewed_by = ?, reviewed_at = now() where tenant_id = ? and id = ?`, [
      recordId,
      by.userId,
      by.tenantId,
      id,
    ]);
    await link(tx, by.tenantId, v.userId, recordId);
    await appendSystemLog(tx, by.tenantId, {
      action: 'portal.verification.approved',
      actorId: by.userId,
      actor: by.email,
      subject: `user:${v.userId}`,
      ip: ip ?? null,
      details: { verification: id, record: recordId, checks },
    });
    return { verification: await loadVerification(tx, by.tenantId, id), checks };
  });
}

/** Staff reject a pending application; the applicant sees the reason and may apply again. */
export async function rejectVerification(em: EntityManager, by: Principal, id: string, reason: string, ip?: string): Promise<Verification> {
  const why = reason.trim();
  if (!why) refuse([fieldError('reason', 'FIELD_REQUIRED', 'Say why the application is rejected')], 'A reason is required');
  return em.transactional(async (tx) => {
    const v = await pendingOrRefuse(tx, by.tenantId, id);
    await tx.execute(`update portal_verification set status = 'rejected', reason = ?, reviewed_by = ?, reviewed_at = now() where tenant_id = ? and id = ?`, [
      why,
      by.userId,
      by.tenantId,
      id,
    ]);
    await appendSystemLog(tx, by.tenantId, {
      action: 'portal.verification.rejected',
      actorId: by.userId,
      actor: by.email,
      subject: `user:${v.userId}`,
      ip: ip ?? null,
      details: { verification: id, reason: why },
    });
    return loadVerification(tx, by.tenantId, id);
  });
}

export const PortalAccountBody = Type.Object(
  {
    recordId: Type.String({ format: 'uuid', description: 'The customer record the account belongs to' }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Defaults to the record’s name' })),
    password: Type.Optional(Type.String({ minLength: 10, maxLength: 1024, description: 'Without one the customer cannot sign in until it is set' })),
  },
  { additionalProperties: false },
);

/** Staff open a portal account for a customer directly: already linked, no application needed. */
export async function createPortalAccount(
  em: EntityManager,
  records: RecordService,
  by: Principal,
  input: Static<typeof PortalAccountBody>,
  roles: RoleCatalog,
  ip?: string,
): Promise<UserView> {
  const record = await chosenRecord(records, by, input.recordId);
  const phone = normalPhone(String(record.data.phone ?? ''));
  const user: UserInput = {
    email: input.email,
    name: input.name ?? (String(record.data.name ?? '').trim() || input.email),
    phone: MOBILE.test(phone) ? phone : null,
    roles: [PORTAL_ROLE],
    contactId: record.id,
    ...(input.password ? { password: input.password } : {}),
  };
  return em.transactional(async (tx) => {
    const created = await createUser(tx, by.tenantId, user, by, roles, ip);
    await appendSystemLog(tx, by.tenantId, {
      action: 'portal.account.created',
      actorId: by.userId,
      actor: by.email,
      subject: `user:${created.id}`,
      ip: ip ?? null,
      details: { record: record.id },
    });
    return created;
  });
}
