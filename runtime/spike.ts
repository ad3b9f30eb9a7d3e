import { DefinitionError, DefinitionStore, DiskFileStore, formatIssue, openDatabase, TenantRepository } from './src/index.ts';

const db = await openDatabase({ dataDir: '/tmp/dd1' });
await db.migrate();
const em = db.orm.em.fork();
const { tenant } = await new TenantRepository().ensureDefault(em);
const store = new DefinitionStore(db.orm, new DiskFileStore('/tmp/dd1/files'));
const by = { actor: 'test', origin: { type: 'admin' as const } };
try {
  const r = await store.importFolder(tenant.id, '/tmp/defs', { ...by, publish: true });
  console.log(r);
} catch (e) {
  if (e instanceof DefinitionError) e.issues.forEach((i) => console.log(formatIssue(i)));
  else throw e;
}
console.log(await store.list(tenant.id));
console.log(await store.releases(tenant.id));
await db.close();
