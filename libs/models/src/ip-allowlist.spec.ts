import { compileAllowlist, InvalidCidrError, normalizeCidr } from './ip-allowlist';

describe('normalizeCidr', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1/32'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    [' 192.168.1.0/24 ', '192.168.1.0/24'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::1', '::1/128'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1/128'],
    ['::/0', '::/0'],
    ['::ffff:10.1.2.3', '10.1.2.3/32'],
    ['::ffff:10.1.2.0/120', '10.1.2.0/24'],
    ['fe80:0:0:1::/64', 'fe80:0:0:1::/64'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeCidr(input)).toBe(expected);
  });

  it.each([
    ['', /expected address/],
    ['not-an-ip', /not an IP address/],
    ['10.0.0.1/33', /at most 32/],
    ['::1/129', /at most 128/],
    ['10.0.0.1/24', /host bits are set beyond \/24/],
    ['10.0.0.0/x', /prefix must be a number/],
    ['10.0.0.0/8/8', /expected address/],
    ['::ffff:10.0.0.0/64', /at least 96/],
    ['256.1.1.1', /not an IP address/],
  ])('refuses %j with a clear error', (input, message) => {
    expect(() => normalizeCidr(input)).toThrow(InvalidCidrError);
    expect(() => normalizeCidr(input)).toThrow(message);
  });
});

describe('compileAllowlist', () => {
  const matcher = compileAllowlist(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']);

  it.each([
    ['10.200.3.4', true],
    ['11.0.0.1', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['::ffff:10.9.9.9', true],
    ['::ffff:11.9.9.9', false],
    ['2001:db8:1::5', true],
    ['2001:db9::1', false],
    ['garbage', false],
  ])('%s allowed: %s', (address, allowed) => {
    expect(matcher.allows(address)).toBe(allowed);
  });

  it('allows everything when the list is empty, and /0 matches every address of its family', () => {
    expect(compileAllowlist([]).allows('203.0.113.9')).toBe(true);
    const v4only = compileAllowlist(['0.0.0.0/0']);
    expect(v4only.allows('203.0.113.9')).toBe(true);
    expect(v4only.allows('2001:db8::1')).toBe(false);
  });
});
