import { Keyspace } from '@libs/redis';
import { CacheKeys } from './cache-keys';

describe('CacheKeys', () => {
  const keys = new CacheKeys(new Keyspace('tenant-a:'));

  it('prefixes every key and puts the id in a hash tag', () => {
    expect(keys.client('6f1c')).toBe('tenant-a:client:{6f1c}');
    expect(keys.revoked('jti-1')).toBe('tenant-a:revoked:{jti-1}');
  });

  it('works without a prefix', () => {
    expect(new CacheKeys(new Keyspace('')).client('x')).toBe('client:{x}');
  });
});
