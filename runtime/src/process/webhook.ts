import { createHmac } from 'node:crypto';
import type { OutboxHandler } from './outbox.ts';

export interface WebhookOptions {
  /** Signs each body with HMAC-SHA256 in `X-Docket-Signature: sha256=<hex>` when set. */
  secret?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Delivers the `webhook` action of a service task (`tk:action type="webhook"` with
 * `{"url": "https://…", "body": {…}}`): one POST per outbox item, after the step committed.
 * A non-2xx answer or a timeout throws, so the item is retried with backoff.
 */
export function webhookDelivery(options: WebhookOptions = {}): OutboxHandler {
  const send = options.fetch ?? fetch;
  return async (message) => {
    const url = String(message.payload.url ?? '');
    if (!/^https?:\/\//.test(url)) throw new Error(`webhook url must be http(s): ${url}`);
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
    const res = await send(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
    if (!res.ok) throw new Error(`webhook ${url} answered ${res.status}`);
  };
}
