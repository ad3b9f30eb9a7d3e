import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, trustProxyOf } from '../config.ts';

describe('the configuration', () => {
  it('reads DOCKET_TRUST_PROXY as a hop count or a list of addresses and ranges, and none when unset', () => {
    expect(trustProxyOf(loadConfig({}, '/srv'))).toBeUndefined();
    expect(trustProxyOf(loadConfig({ DOCKET_TRUST_PROXY: '1' }, '/srv'))).toBe(1);
    expect(trustProxyOf(loadConfig({ DOCKET_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }, '/srv'))).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
  });

  it('refuses a DOCKET_TRUST_PROXY that is neither, naming the variable', () => {
    for (const bad of ['true', 'proxy.example.com', '10.0.0.1; rm -rf']) {
      expect(() => loadConfig({ DOCKET_TRUST_PROXY: bad }, '/srv')).toThrow(ConfigError);
      expect(() => loadConfig({ DOCKET_TRUST_PROXY: bad }, '/srv')).toThrow(/DOCKET_TRUST_PROXY: not valid: Reverse proxies/);
    }
  });

  it('turns prepared reads off only when asked', () => {
    expect(loadConfig({}, '/srv').DOCKET_DB_PREPARED).toBe(true);
    expect(loadConfig({ DOCKET_DB_PREPARED: 'false' }, '/srv').DOCKET_DB_PREPARED).toBe(false);
  });
});
