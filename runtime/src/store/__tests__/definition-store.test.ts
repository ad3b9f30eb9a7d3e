import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../../../../tests/support/databases.ts';
import { ConflictError, DefinitionError, StateError } from '../../errors.ts';
import { listAudit } from '../audit.ts';
import { ADMIN, dictionary, processDoc, ticketType } from './fixtures.ts';

describe.each(BACKENDS)('definition store on %s', (_name, open) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('assigns version 1 to a new draft and keeps editing the same draft until it is published', async () => {
    const tenant = await t.newTenant();
    const first = await t.store.saveDraft(tenant, { doc: dictionary('faults') }, ADMIN);
    expect(first).toMatchObject({ kind: 'dictionary', key: 'faults', version: 1, status: 'draft', changed: true, created: true });
    const edited = await t.store.saveDraft(tenant, { doc: dictionary('faults', ['a', 'b', 'c']) }, ADMIN);
    expect(edited).toMatchObject({ version: 1, status: 'draft', changed: true, created: false });
    const same = await t.store.saveDraft(tenant, { doc: dictionary('faults', ['a', 'b', 'c']) }, ADMIN);
    expect(same.changed).toBe(false);
    expect((await t.store.versions(tenant, 'dictionary', 'faults')).map((v) => v.version)).toEqual([1]);
  });

  it('ignores a version number written in a document except as an optimistic-concurrency check', async () => {
    const tenant = await t.newTenant();
    await expect(t.store.saveDraft(tenant, { doc: { ...dictionary('d'), version: 7 } }, ADMIN)).rejects.toBeInstanceOf(ConflictError);
    await t.store.saveDraft(tenant, { doc: dictionary('d') }, ADMIN);
    await t.store.publish(tenant, {}, ADMIN);
    // Two editors load version 1; the first saves (draft 2), the second's save is stale.
    const first = await t.store.saveDraft(tenant, { doc: { ...dictionary('d', ['x']), version: 1 } }, ADMIN);
    expect(first).toMatchObject({ version: 2, status: 'draft', created: true });
    const stale = t.store.saveDraft(tenant, { doc: { ...dictionary('d', ['y']), version: 1 } }, ADMIN);
    await expect(stale).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { issues: [expect.objectContaining({ code: 'DEF_VERSION_MISMATCH', pointer: '/version' })] },
    });
    expect((await t.store.getVersion(tenant, 'dictionary', 'd', 2)).body.items).toEqual([{ value: 'x', label: { en: 'x' } }]);
    expect((await t.store.getVersion(tenant, 'dictionary', 'd', 2)).derivedFrom).toBe(1);
  });

  it('rejects an invalid draft with every coded issue and writes nothing', async () => {
    const tenant = await t.newTenant();
    const bad = {
      ...ticketType('repair', { process: 'p', dictionary: 'd' }),
      category: 'nope',
      form: { fields: [{ key: 'x', type: 'weird', label: { en: 'X' } }] },
    };
    const err = await t.store.saveDraft(tenant, { doc: bad }, ADMIN).catch((e) => e);
    expect(err).toBeInstanceOf(DefinitionError);
    expect((err as DefinitionError).issues.map((i) => [i.code, i.pointer])).toEqual(
      expect.arrayContaining([
        ['DEF_INVALID_VALUE', '/category'],
        ['DEF_UNKNOWN_FIELD_TYPE', '/form/fields/0/type'],
      ]),
    );
    expect(await t.store.list(tenant)).toEqual([]);
  });

  it('publishes nothing when a write that must go with the release fails', async () => {
    const tenant = await t.newTenant();
    await t.store.saveDraft(tenant, { doc: dictionary('together') }, ADMIN);
    const failed = t.store.publish(tenant, {}, ADMIN, async (em, release) => {
      await em.execute('select 1');
      throw new Error(`log for release ${release.number} failed`);
    });
    await expect(failed).rejects.toThrow('log for release 1 failed');
    expect(await t.store.releases(tenant)).toEqual([]);
    expect((await t.store.publish(tenant, {}, ADMIN)).number).toBe(1);
  });

  it('reports unresolved references as warnings on a draft and refuses to publish them', async () => {
    const tenant = await t.newTenant();
    const saved = await t.store.saveDraft(tenant, { doc: ticketType('repair', { process: 'repair-flow', dictionary: 'faults' }) }, ADMIN);
    expect(saved.warnings.map((w) => [w.code, w.pointer, w.severity])).toEqual([
      ['DEF_MISSING_REFERENCE', '/process', 'warning'],
      ['DEF_MISSING_REFERENCE', '/form/fields/1/dictionary', 'warning'],
    ]);
    const err = await t.store.publish(tenant, {}, ADMIN).catch((e) => e);
    expect(err).toBeInstanceOf(DefinitionError);
    expect((err as DefinitionError).issues[0]?.message.en).toBe('ticketType "repair" refers to process "repair-flow", which does not exist');
    expect(await t.store.releases(tenant)).toEqual([]);
    expect((await t.store.list(tenant))[0]).toMatchObject({ publishedVersion: null, draftVersion: 1 });
  });

  it('publishes a set of drafts as one release that pins exact versions, and republishing a dictionary leaves that release unchanged', async () => {
    const tenant = await t.newTenant();
    for (const doc of [dictionary('faults'), processDoc('repair-flow'), ticketType('repair', { process: 'repair-flow', dictionary: 'faults' })]) {
      await t.store.saveDraft(tenant, { doc }, ADMIN);
    }
    const r1 = await t.store.publish(tenant, { note: 'first' }, ADMIN);
    expect(r1).toMatchObject({ number: 1, total: 3, note: 'first' });
    const one = await t.store.getRelease(tenant, 1);
    expect(one.items.find((i) => i.kind === 'ticketType')?.pins).toEqual({ 'process:repair-flow': 1, 'dictionary:faults': 1 });

    await t.store.saveDraft(tenant, { doc: dictionary('faults', ['leak', 'power']) }, ADMIN);
    const r2 = await t.store.publish(tenant, { items: [{ kind: 'dictionary', key: 'faults' }] }, ADMIN);
    expect(r2).toMatchObject({ number: 2, total: 3, published: [{ kind: 'dictionary', key: 'faults', version: 2 }] });

    const again = await t.store.getRelease(tenant, 1);
    expect(again.items.map((i) => [i.kind, i.key, i.version])).toEqual(one.items.map((i) => [i.kind, i.key, i.version]));
    const exported1 = await t.store.exportRelease(tenant, 1);
    expect(exported1.items.find((i) => i.kind === 'dictionary')?.doc.items).toHaveLength(2);
    const two = await t.store.getRelease(tenant, 2);
    expect(two.items.find((i) => i.kind === 'ticketType')).toMatchObject({ version: 1, changed: false, pins: { 'dictionary:faults': 2 } });
    expect(two.items.find((i) => i.kind === 'dictionary')).toMatchObject({ version: 2, changed: true });
  });

  it('refuses a process change that removes a step a published ticket type configures', async () => {
    const tenant = await t.newTenant();
    await t.store.saveDraft(tenant, { doc: dictionary('faults') }, ADMIN);
    await t.store.saveDraft(tenant, { doc: processDoc('flow', ['assign', 'work']) }, ADMIN);
    await t.store.saveDraft(tenant, { doc: ticketType('repair', { process: 'flow', dictionary: 'faults', steps: { assign: { timeout: 'PT2H' } } }) }, ADMIN);
    await t.store.publish(tenant, {}, ADMIN);
    await t.store.saveDraft(tenant, { doc: processDoc('flow', ['work']) }, ADMIN);
    const err = (await t.store.publish(tenant, {}, ADMIN).catch((e) => e)) as DefinitionError;
    expect(err.issues.map((i) => [i.code, i.kind, i.key, i.pointer])).toEqual([['DEF_UNKNOWN_STEP', 'ticketType', 'repair', '/steps/assign']]);
  });

  it('says there is nothing to publish, and names drafts that do not exist', async () => {
    const tenant = await t.newTenant();
    await expect(t.store.publish(tenant, {}, ADMIN)).rejects.toMatchObject({ code: 'NOTHING_TO_PUBLISH' });
    await expect(t.store.publish(tenant, { items: [{ kind: 'role', key: 'ghost' }] }, ADMIN)).rejects.toSatisfy(
      (e: unknown) => e instanceof StateError && e.code === 'NO_DRAFT' && e.message.includes('role:ghost'),
    );
  });

  it('keeps published versions immutable and the audit log append-only, even against direct SQL', async () => {
    const tenant = await t.newTenant();
    await t.store.saveDraft(tenant, { doc: dictionary('frozen') }, ADMIN);
    await t.store.publish(tenant, {}, ADMIN);
    const em = t.db.orm.em.fork();
    await expect(em.execute(`update definition_version set body = '{}' where tenant_id = ? and key = 'frozen'`, [tenant])).rejects.toThrow(/immutable/);
    await expect(em.execute('delete from audit_event where tenant_id = ?', [tenant])).rejects.toThrow(/append-only/);
    const audit = await listAudit(em, tenant);
    expect(audit.map((a) => a.action)).toEqual(['release.published', 'definition.draft.created']);
  });

  it('never shows one tenant the definitions, versions or releases of another', async () => {
    const a = await t.newTenant();
    const b = await t.newTenant();
    await t.store.saveDraft(a, { doc: dictionary('secret') }, ADMIN);
    await t.store.publish(a, {}, ADMIN);
    expect(await t.store.list(b)).toEqual([]);
    expect(await t.store.releases(b)).toEqual([]);
    await expect(t.store.versions(b, 'dictionary', 'secret')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.store.getRelease(b, 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The same key in another tenant is an independent definition with its own numbering.
    expect(await t.store.saveDraft(b, { doc: dictionary('secret', ['z']) }, ADMIN)).toMatchObject({ version: 1 });
    expect((await t.store.publish(b, {}, ADMIN)).number).toBe(1);
  });

  it('discards a draft: the published version is current again, and a never-published definition disappears', async () => {
    const tenant = await t.newTenant();
    await t.store.saveDraft(tenant, { doc: dictionary('kept', ['a']) }, ADMIN);
    await t.store.publish(tenant, {}, ADMIN);
    await t.store.saveDraft(tenant, { doc: ticketType('broken', { process: 'missing-flow', dictionary: 'kept' }) }, ADMIN);
    await t.store.saveDraft(tenant, { doc: dictionary('kept', ['a', 'b']) }, ADMIN);
    // The broken draft blocks publishing everything until it is discarded.
    await expect(t.store.publish(tenant, {}, ADMIN)).rejects.toBeInstanceOf(DefinitionError);
    expect(await t.store.discardDraft(tenant, 'ticketType', 'broken', ADMIN)).toEqual({ kind: 'ticketType', key: 'broken', discarded: 1, current: null });
    expect(await t.store.discardDraft(tenant, 'dictionary', 'kept', ADMIN)).toEqual({ kind: 'dictionary', key: 'kept', discarded: 2, current: 1 });
    expect((await t.store.list(tenant)).map((d) => [d.kind, d.key, d.latestVersion, d.draftVersion])).toEqual([['dictionary', 'kept', 1, null]]);
    await expect(t.store.discardDraft(tenant, 'dictionary', 'kept', ADMIN)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The next draft takes the discarded number again.
    expect(await t.store.saveDraft(tenant, { doc: dictionary('kept', ['c']) }, ADMIN)).toMatchObject({ version: 2, created: true });
    const audit = await listAudit(t.db.orm.em.fork(), tenant);
    expect(audit.filter((a) => a.action === 'definition.draft.discarded')).toHaveLength(2);
  });

  it('diffs two versions by JSON pointer and BPMN as unified text', async () => {
    const tenant = await t.newTenant();
    await t.store.saveDraft(tenant, { doc: dictionary('faults', ['a']) }, ADMIN);
    await t.store.saveDraft(tenant, { doc: processDoc('flow', ['one']) }, ADMIN);
    await t.store.publish(tenant, {}, ADMIN);
    await t.store.saveDraft(tenant, { doc: dictionary('faults', ['a', 'b']) }, ADMIN);
    await t.store.saveDraft(tenant, { doc: processDoc('flow', ['one', 'two']) }, ADMIN);
    const d = await t.store.diff(tenant, 'dictionary', 'faults', 1, 2);
    expect(d.changes).toEqual([{ op: 'add', pointer: '/items/1', after: { value: 'b', label: { en: 'b' } } }]);
    const p = await t.store.diff(tenant, 'process', 'flow', 1, 2);
    expect(p.text).toContain('+    <bpmn:userTask id="two" name="two"/>');
  });
});
