import { Registry } from 'prom-client';
import { registerCacheMetrics } from './cache-metrics';
import { L1Cache } from './l1-cache';

describe('registerCacheMetrics', () => {
  it('exposes each cache under its own label with the values of scrape time', async () => {
    const registry = new Registry();
    const clients = new L1Cache<string>();
    const keys = new L1Cache<string>();
    registerCacheMetrics(registry, 'clients', clients);
    registerCacheMetrics(registry, 'keys', keys);
    await clients.get('a', () => 'A');
    clients.getIfPresent('a');
    await clients.get('bogus', () => Promise.reject(new Error('down'))).catch(() => undefined);
    keys.setBypass(true);

    const text = await registry.metrics();
    expect(text).toContain('cache_hits_total{cache="clients"} 1');
    expect(text).toContain('cache_misses_total{cache="clients"} 2');
    expect(text).toContain('cache_loads_total{cache="clients"} 2');
    expect(text).toContain('cache_load_failures_total{cache="clients"} 1');
    expect(text).toContain('cache_hit_ratio{cache="clients"} 0.3333333333333333');
    expect(text).toContain('cache_size{cache="clients"} 1');
    expect(text).toContain('cache_bypassed{cache="keys"} 1');
    expect(text).toContain('cache_clears_total{cache="keys"} 1');

    clients.getIfPresent('a');
    expect(await registry.metrics()).toContain('cache_hits_total{cache="clients"} 2');
  });

  it('refuses a second cache with the same name on one registry', () => {
    const registry = new Registry();
    registerCacheMetrics(registry, 'clients', new L1Cache<string>());
    expect(() => registerCacheMetrics(registry, 'clients', new L1Cache<string>())).toThrow(
      /already registered/,
    );
  });
});
