/**
 * Runs one engine action in a child process and stops dead inside its transaction, after
 * the timers and their wake-up jobs were written but before the commit. The parent
 * kills it with SIGKILL when it prints READY.
 *
 *   node crash-child.ts <databaseUrl> <dataDir> <tenantId> <ticketId> <taskId>
 */
import { JobQueue, openDatabase } from '@docket/runtime';
import { processWakeups } from '../../runtime/src/process/jobs.ts';
import { ProcessRuntime } from '../../runtime/src/process/runtime.ts';

const [databaseUrl, dataDir, tenantId, ticketId, taskId] = process.argv.slice(2) as [string, string, string, string, string];
const db = await openDatabase({ databaseUrl, dataDir, purpose: 'crash-child' });
const queue = await JobQueue.start(db);
await queue.createQueue('docket-timer');
await queue.createQueue('docket-outbox');
const real = processWakeups(queue);
const runtime = new ProcessRuntime(db.orm, {
  wakeups: {
    async timers(em, tenant, timers) {
      await real.timers(em, tenant, timers);
      process.stdout.write(`READY ${timers.length}\n`);
      await new Promise(() => {});
    },
    outbox: real.outbox,
  },
});
await runtime.act(tenantId, ticketId, { task: taskId, action: 'accept', actor: { id: 'tech' } });
process.stdout.write('COMMITTED\n');
