import type { FileStore, JobQueue } from '@docket/runtime';
import { createProcessQueues, ProcessRuntime, processWakeups } from '@docket/runtime/process/index.ts';
import { openFileStore, type S3Config } from '@docket/runtime/records/files/index.ts';
import { RecordService } from '@docket/runtime/records/records.ts';
import { TicketService } from '@docket/runtime/records/tickets.ts';
import { createWebhookQueue, WebhookService } from '@docket/runtime/webhooks/index.ts';
import type { DocketContext } from './context.ts';

/** The runtime services one server shares between its REST routes, GraphQL and the engine's workers. */
export interface Services {
  queue: JobQueue;
  files: FileStore;
  runtime: ProcessRuntime;
  tickets: TicketService;
  records: RecordService;
  webhooks: WebhookService;
  /** Largest upload accepted, in bytes. */
  maxUploadBytes: number;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export interface ServiceOptions {
  /** Files go to <dataDir>/files unless an S3-compatible store is configured. */
  dataDir: string;
  s3?: S3Config;
  maxUploadBytes?: number;
  allowPrivateWebhookTargets?: boolean;
}

/**
 * Builds the services over an open database and a started job queue. The process runtime
 * queues its timer and outbox wake-ups in the step's transaction, and every ticket event
 * becomes webhook deliveries in the ticket's transaction.
 */
export async function createServices(ctx: DocketContext, queue: JobQueue, options: ServiceOptions): Promise<Services> {
  const orm = ctx.db.orm;
  // Jobs are sent inside transactions, where a queue can no longer be declared.
  await createProcessQueues(queue);
  await createWebhookQueue(queue);
  const files = openFileStore({ dataDir: options.dataDir, ...(options.s3 ? { s3: options.s3 } : {}) });
  const runtime = new ProcessRuntime(orm, { wakeups: processWakeups(queue), ...(ctx.directory ? { directory: ctx.directory } : {}) });
  const webhooks = new WebhookService(orm, queue, { allowPrivateTargets: options.allowPrivateWebhookTargets ?? false });
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const tickets = new TicketService(orm, runtime, files, { onEvent: webhooks.enqueueTicketEvent, maxUploadBytes });
  const records = new RecordService(orm);
  return { queue, files, runtime, tickets, records, webhooks, maxUploadBytes };
}
