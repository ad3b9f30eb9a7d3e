import { createHmac } from 'node:crypto';
import { checkWebhookUrl, postWebhook } from '../webhooks/target.ts';
import type { OutboxHandler } from './outbox.ts';

export interface WebhookOptions {
  /** Signs each body with HMAC-SHA256 in `X-Docket-Signature: sha256=<hex>` when set. */
  secret?: string;
  timeoutMs?: number;
  /** Loopback and private-network targets are refused (SSRF guard) unless an operator allows them. */
  allowPrivateTargets?: boolean;
}

/**
 * Delivers the `webhook` action of a service task (`tk:action type="webhook"` with
 * `{"url": "https://…", "body": {…}}`): one POST per outbox item, after the step committed.
 * A non-2xx answer or a timeout throws, so the item is retried with backoff.
 */
export function webhookDelivery(options: WebhookOptions = {}): OutboxHandler {
  const allowPrivateTargets = options.allowPrivateTargets ?? false;
  return async (message) => {
    const url = checkWebhookUrl(String(message.payload.url ?? ''), { allowPrivateTargets }).toString();
    const body = JSON.stringify({
      id: message.id,
      event: 'process.webhook',
      ticket: message.payload.ticket,
      step: message.payload.node,
      data: message.payload.body ?? {},
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-docket-delivery': message.id,
      'x-docket-attempt': String(message.attempts),
    };
    if (options.secret) headers['x-docket-signature'] = `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`;
    // The same POST as subscriptions use: no redirects, and names resolving to private addresses refused.
    const res = await postWebhook(url, body, headers, { timeoutMs: options.timeoutMs ?? 10_000, allowPrivateTargets });
    if (res.error) throw new Error(`webhook ${url}: ${res.error}`);
  };
}
