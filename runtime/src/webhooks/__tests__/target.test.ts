import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress, postWebhook } from '../target.ts';
import { type Receiver, startReceiver } from './receiver.ts';

describe('webhook targets (SSRF guard)', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver?.close());

  it('classes loopback, private, link-local, CGNAT and mapped addresses as private, public ones not', () => {
    for (const ip of [
      '127.0.0.1',
      '10.0.0.5',
      '172.20.1.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::127.0.0.1',
      '64:ff9b::7f00:1',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::1',
      '2002:c0a8:101::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      'fec0::1',
      '2001:db8::1',
    ]) {
      expect([ip, isPrivateAddress(ip)]).toEqual([ip, true]);
    }
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) expect([ip, isPrivateAddress(ip)]).toEqual([ip, false]);
  });

  it('refuses to connect to a name that resolves to a private address, sending nothing and not retrying', async () => {
    const port = new URL(receiver.url('/')).port;
    for (const url of [`http://localhost:${port}/x`, `http://127.0.0.1:${port}/x`]) {
      const result = await postWebhook(url, '{}', {}, { timeoutMs: 2000, allowPrivateTargets: false });
      expect(result).toMatchObject({ statusCode: null, retryable: false, error: expect.stringMatching(/private address/) });
    }
    expect(receiver.received()).toEqual([]);
    expect(await postWebhook(`http://localhost:${port}/ok`, '{}', {}, { timeoutMs: 2000, allowPrivateTargets: true })).toMatchObject({
      statusCode: 200,
      error: null,
    });
  });

  it('gives up on a receiver that does not answer within the timeout, as a retryable failure', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as import('node:net').AddressInfo;
    const result = await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { timeoutMs: 300, allowPrivateTargets: true });
    silent.closeAllConnections();
    silent.close();
    expect(result).toMatchObject({ statusCode: null, retryable: true, error: 'no answer within 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
  });
});
