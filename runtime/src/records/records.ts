import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { ConflictError, InputError, NotFoundError } from '../errors.ts';
import { type FieldConfig, type FormEnv, validateFieldValue } from '../forms/index.ts';
import { dictionaryDelta, recordDictionaryUse } from './dictionaries.ts';
import { allocateNumber, tenantTimeZone } from './numbering.ts';
import { newestRelease, type RecordField, RecordTypeCatalog, type RecordTypeRuntime } from './records-catalog.ts';
import { checkRecordRefs, claimUniqueKeys } from './records-keys.ts';
import { encodeCursor, listQuery, type RecordQuery } from './records-query.ts';
import { type Change, changesOf, checkValues, type FieldIssue, isEmpty, maskSensitive, titleOf, uniqueKeys, withDefaults } from './records-values.ts';

export type { RecordFilter, RecordFilterOp, RecordQuery } from './records-query.ts';
export type { FieldIssue } from './records-values.ts';

/** Who reads or writes records: the id written to created_by/updated_by and audit, and whether sensitive values show. */
export interface RecordCaller {
  userId: string;
  viewSensitive: boolean;
}

export interface RecordDto {
  id: string;
  type: string;
  number: string | null;
  title: string | null;
  /** Custom field values; sensitive ones are `****` for callers without viewSensitive. */
  data: Record<string, unknown>;
  version: number;
  release: number;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface RecordPage {
  items: RecordDto[];
  nextCursor: string | null;
}

/**
 * Per-field-type value checks (types, lengths, patterns, options). The default is the
 * forms module's catalog (formsValueCheck); the service itself owns required, unknown
 * fields, record references and uniqueness.
 */
export type RecordValueValidator = (fields: RecordField[], data: Record<string, unknown>, env: FormEnv, stored: Record<string, unknown>) => FieldIssue[];

/** The forms catalog's checks for every non-empty value, as record field issues. */
export const formsValueCheck: RecordValueValidator = (fields, data, env, stored) =>
  fields.flatMap((f) =>
    validateFieldValue(data[f.key], f as FieldConfig, env, { at: ['data', f.key], stored: stored[f.key] }).map((p) => ({
      field: p.field,
      pointer: p.pointer,
      code: p.code,
      message: p.message.en,
      messages: p.message,
      ...(p.params ? { params: p.params } : {}),
    })),
  );

export interface RecordServiceOptions {
  now?: () => Date;
  validateValues?: RecordValueValidator;
  catalog?: RecordTypeCatalog;
}

interface RecordRow {
  id: string;
  type_key: string;
  release_number: number;
  number: string | null;
  title: string | null;
  data: Record<string, unknown>;
  version: number;
  created_by: string;
  updated_by: string;
  created_at: string | Date;
  updated_at: string | Date;
  deleted_at?: string | Date | null;
  sort_key?: string;
}

const iso = (v: string | Date) => new Date(v).toISOString();

function dto(row: RecordRow, type: RecordTypeRuntime, caller: RecordCaller): RecordDto {
  return {
    id: row.id,
    type: row.type_key,
    number: row.number,
    title: row.title,
    data: caller.viewSensitive ? row.data : maskSensitive(type, row.data),
    version: row.version,
    release: row.release_number,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function plainObject(v: unknown, pointer: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new InputError('INVALID_VALUE', `${pointer} must be an object of field values`, {
      errors: [{ field: 'data', pointer, code: 'INVALID_VALUE', message: 'must be an object' }],
    });
  }
  return v as Record<string, unknown>;
}

/**
 * Generic records (customers, contacts, products, rooms, parts…) validated against the
 * record type of the tenant's newest release. Each write is one transaction: the row,
 * its unique keys, dictionary usage and the audit event commit together or not at all.
 */
export class RecordService {
  private readonly orm: MikroORM;
  private readonly now: () => Date;
  private readonly validateValues: RecordValueValidator;
  readonly catalog: RecordTypeCatalog;

  constructor(orm: MikroORM, options: RecordServiceOptions = {}) {
    this.orm = orm;
    this.now = options.now ?? (() => new Date());
    this.validateValues = options.validateValues ?? formsValueCheck;
    this.catalog = options.catalog ?? new RecordTypeCatalog();
  }

  /** The record type as the newest release defines it. */
  async recordType(em: EntityManager, tenantId: string, typeKey: string): Promise<RecordTypeRuntime> {
    return this.catalog.get(em, tenantId, await newestRelease(em, tenantId), typeKey);
  }

  create(tenantId: string, caller: RecordCaller, typeKey: string, input: { data: Record<string, unknown> }): Promise<RecordDto> {
    return this.orm.em.fork().transactional((em) => this.createIn(em, tenantId, caller, typeKey, input));
  }

  /** Create inside the caller's transaction (imports, tickets that register a customer on the way). */
  async createIn(em: EntityManager, tenantId: string, caller: RecordCaller, typeKey: string, input: { data: Record<string, unknown> }): Promise<RecordDto> {
    const type = await this.recordType(em, tenantId, typeKey);
    const submitted = plainObject(input.data, '/data');
    const data = withDefaults(type, dropEmpty(submitted));
    await this.check(em, tenantId, type, data, submitted);
    const id = uuidv7();
    const now = this.now();
    const number = type.definition.numbering
      ? await allocateNumber(em, tenantId, type.definition.numbering, {
          subject: `record:${typeKey}`,
          orgUnit: orgUnitOf(type, data),
          timeZone: await tenantTimeZone(em, tenantId),
          now,
        })
      : null;
    const [row] = await em.execute<RecordRow[]>(
      `insert into record (tenant_id, id, type_key, release_number, number, title, data, created_by, updated_by, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?) returning *`,
      [tenantId, id, typeKey, type.release, number, titleOf(type, data), JSON.stringify(data), caller.userId, caller.userId, now, now],
    );
    await this.sideEffects(em, tenantId, type, id, {}, data);
    await audit(em, tenantId, id, caller.userId, 'record.created', now, { type: typeKey, number, changes: changesOf(type, {}, data) });
    return dto(row as RecordRow, type, caller);
  }

  async get(tenantId: string, caller: RecordCaller, typeKey: string, id: string): Promise<RecordDto> {
    const em = this.orm.em.fork();
    const type = await this.recordType(em, tenantId, typeKey);
    return dto(await load(em, tenantId, typeKey, id, false), type, caller);
  }

  /** Changed values only: keys absent stay, null clears. A stale `version` is CONFLICT. */
  update(tenantId: string, caller: RecordCaller, typeKey: string, id: string, input: { version: number; data: Record<string, unknown> }): Promise<RecordDto> {
    return this.orm.em.fork().transactional(async (em) => {
      const type = await this.recordType(em, tenantId, typeKey);
      const row = await load(em, tenantId, typeKey, id, true);
      stale(row, input.version);
      const submitted = plainObject(input.data, '/data');
      const data = dropEmpty({ ...row.data, ...submitted });
      await this.check(em, tenantId, type, data, submitted, row.data);
      return dto(await this.rewrite(em, tenantId, type, row, data, caller.userId, 'record.updated'), type, caller);
    });
  }

  /** Soft delete: the row stays for history, its unique values are freed and dictionary uses given back. */
  remove(tenantId: string, caller: RecordCaller, typeKey: string, id: string, version?: number): Promise<void> {
    return this.orm.em.fork().transactional(async (em) => {
      const type = await this.recordType(em, tenantId, typeKey);
      const row = await load(em, tenantId, typeKey, id, true);
      if (version !== undefined) stale(row, version);
      const now = this.now();
      await em.execute('update record set deleted_at = ?, version = version + 1, updated_at = ?, updated_by = ? where tenant_id = ? and id = ?', [
        now,
        now,
        caller.userId,
        tenantId,
        id,
      ]);
      await em.execute('delete from record_unique where tenant_id = ? and record_id = ?', [tenantId, id]);
      await recordDictionaryUse(em, tenantId, dictionaryDelta(type.fields.values(), row.data, {}));
      await audit(em, tenantId, id, caller.userId, 'record.deleted', now, { type: typeKey, number: row.number });
    });
  }

  async list(tenantId: string, caller: RecordCaller, typeKey: string, query: RecordQuery = {}): Promise<RecordPage> {
    const em = this.orm.em.fork();
    const type = await this.recordType(em, tenantId, typeKey);
    const q = listQuery(type, tenantId, query);
    const rows = await em.execute<RecordRow[]>(q.sql, q.params);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => dto(r, type, caller)),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.sort_key as string, last.id) : null,
    };
  }

  /**
   * The erase procedure for personal data: clears every sensitive value of one record
   * inside the caller's transaction. The audit event names the fields, never the values.
   */
  async eraseSensitive(em: EntityManager, tenantId: string, recordId: string, actor: string): Promise<{ erased: string[] }> {
    const [found] = await em.execute<RecordRow[]>('select * from record where tenant_id = ? and id = ? for update', [tenantId, recordId]);
    if (!found) throw new NotFoundError(`There is no record ${recordId}`, { id: recordId });
    const type = await this.recordType(em, tenantId, found.type_key);
    const erased = [...type.sensitive].filter((k) => !isEmpty(found.data[k]));
    if (!erased.length) return { erased };
    const data = Object.fromEntries(Object.entries(found.data).filter(([k]) => !type.sensitive.has(k)));
    await this.rewrite(em, tenantId, type, found, data, actor, 'record.erased');
    return { erased };
  }

  private async check(
    em: EntityManager,
    tenantId: string,
    type: RecordTypeRuntime,
    data: Record<string, unknown>,
    submitted: Record<string, unknown>,
    stored: Record<string, unknown> = {},
  ) {
    const env: FormEnv = { timeZone: await tenantTimeZone(em, tenantId), now: this.now(), dictionaries: (key) => type.dictionaries.get(key) };
    const issues = [...checkValues(type, data, submitted), ...this.validateValues([...type.fields.values()], data, env, stored)];
    if (issues.length) {
      throw new InputError('RECORD_INVALID', `${type.key}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { errors: issues });
    }
    await checkRecordRefs(em, tenantId, type, data);
  }

  /** Writes new values over a locked row with everything that follows from them. */
  private async rewrite(
    em: EntityManager,
    tenantId: string,
    type: RecordTypeRuntime,
    row: RecordRow,
    data: Record<string, unknown>,
    actor: string,
    action: string,
  ) {
    const now = this.now();
    const [updated] = await em.execute<RecordRow[]>(
      `update record set data = ?::jsonb, title = ?, release_number = ?, version = version + 1, updated_at = ?, updated_by = ?
        where tenant_id = ? and id = ? returning *`,
      [JSON.stringify(data), titleOf(type, data), type.release, now, actor, tenantId, row.id],
    );
    await this.sideEffects(em, tenantId, type, row.id, row.data, data);
    const changes: Change[] = changesOf(type, row.data, data);
    await audit(em, tenantId, row.id, actor, action, now, { type: type.key, number: row.number, changes });
    return updated as RecordRow;
  }

  private async sideEffects(
    em: EntityManager,
    tenantId: string,
    type: RecordTypeRuntime,
    id: string,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
  ) {
    await claimUniqueKeys(em, tenantId, type, id, uniqueKeys(type, after));
    await recordDictionaryUse(em, tenantId, dictionaryDelta(type.fields.values(), before, after));
  }
}

/** Null and empty values are not stored: absent and cleared mean the same. */
function dropEmpty(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null && v !== undefined));
}

function orgUnitOf(type: RecordTypeRuntime, data: Record<string, unknown>): string | null {
  for (const f of type.fields.values()) if (f.type === 'orgUnit' && typeof data[f.key] === 'string') return data[f.key] as string;
  return null;
}

function stale(row: RecordRow, version: number) {
  if (row.version !== version) {
    throw new ConflictError(`Record ${row.id} changed since version ${version} (now ${row.version})`, { id: row.id, version, currentVersion: row.version });
  }
}

async function load(em: EntityManager, tenantId: string, typeKey: string, id: string, lock: boolean): Promise<RecordRow> {
  const valid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
  const [row] = valid
    ? await em.execute<RecordRow[]>(`select * from record where tenant_id = ? and id = ? and type_key = ? and deleted_at is null${lock ? ' for update' : ''}`, [
        tenantId,
        id,
        typeKey,
      ])
    : [];
  if (!row) throw new NotFoundError(`There is no ${typeKey} record ${id}`, { recordType: typeKey, id });
  return row;
}

async function audit(em: EntityManager, tenantId: string, id: string, actor: string, action: string, at: Date, details: Record<string, unknown>) {
  await em.execute('insert into audit_event (tenant_id, id, at, actor, action, subject, details) values (?, ?, ?, ?, ?, ?, ?::jsonb)', [
    tenantId,
    uuidv7(),
    at,
    actor,
    action,
    `record:${id}`,
    JSON.stringify(details),
  ]);
}
