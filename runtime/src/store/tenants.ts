import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { NotFoundError } from '../errors.ts';
import { Tenant } from './entities.ts';

export const DEFAULT_TENANT_SLUG = 'default';
export type TenantRow = InferEntity<typeof Tenant>;

/** Tenants are the root of all data; every other repository takes a tenant id. */
export class TenantRepository {
  async ensureDefault(em: EntityManager): Promise<{ tenant: TenantRow; created: boolean }> {
    const existing = await em.findOne(Tenant, { slug: DEFAULT_TENANT_SLUG });
    if (existing) return { tenant: existing, created: false };
    return { tenant: await this.create(em, DEFAULT_TENANT_SLUG, 'Default'), created: true };
  }
  async create(em: EntityManager, slug: string, name: string, timeZone = 'Asia/Shanghai'): Promise<TenantRow> {
    const tenant = em.create(Tenant, { id: uuidv7(), slug, name, timeZone });
    await em.flush();
    return tenant;
  }
  async bySlug(em: EntityManager, slug: string): Promise<TenantRow> {
    const tenant = await em.findOne(Tenant, { slug });
    if (!tenant) throw new NotFoundError(`No tenant "${slug}"`, { tenant: slug });
    return tenant;
  }
  async list(em: EntityManager): Promise<TenantRow[]> {
    return em.find(Tenant, {}, { orderBy: { slug: 'asc' } });
  }
}
