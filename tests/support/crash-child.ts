/**
 * Runs one engine action in a child process and stops dead inside its transaction, after
 * the timers and their wake-up jobs were written but before the commit. The parent
 * kills it with SIGKILL when it prints READY.
 *
 *   node crash-child.ts <databaseUrl|''> <dataDir> <tenantId> <ticketId> <taskId> [before-commit|after-commit]
 *
 * An empty databaseUrl opens the embedded database in dataDir. `after-commit` lets the
 * transaction commit, prints COMMITTED and then waits to be killed.
 */
import { JobQueue, openDatabase } from '@docket/runtime';
import { processWakeups } from '../../runtime/src/process/jobs.ts';
import { ProcessRuntime } from '../../runtime/src/process/runtime.ts';

const [databaseUrl, dataDir, tenantId, ticketId, taskId, mode = 'before-commit'] = process.argv.slice(2) as [string, string, string, string, string, string?];
const db = await openDatabase({ ...(databaseUrl ? { databaseUrl } : {}), dataDir, purpose: 'crash-child' });
const queue = await JobQueue.start(db);
await queue.createQueue('docket-timer');
await queue.createQueue('docket-outbox');
const real = processWakeups(queue);
const runtime = new ProcessRuntime(db.orm, {
  wakeups: {
    async timers(em, tenant, timers) {
      await real.timers(em, tenant, timers);
      if (mode === 'after-commit') return;
      process.stdout.write(`READY ${timers.length}\n`);
      await new Promise(() => {});
    },
    outbox: real.outbox,
  },
});
await runtime.act(tenantId, ticketId, { task: taskId, action: 'accept', actor: { id: 'tech' } });
process.stdout.write('COMMITTED\n');
if (mode === 'after-commit') await new Promise(() => {});
