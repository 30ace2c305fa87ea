import { assertLoopbackBaseUrl, isDiscogsApiUrl, RefusedUrlError, targetUrl } from './discogs-url';

describe('Discogs URL guard', () => {
  it.each([
    'https://api.discogs.com/oauth/identity',
    'https://api.discogs.com/users/a/wants?page=2&per_page=100',
    'https://API.DISCOGS.COM:443/users/a/wants',
  ])('accepts %s', (url) => {
    expect(isDiscogsApiUrl(url)).toBe(true);
  });

  it.each([
    'http://api.discogs.com/oauth/identity',
    'https://api.discogs.com.evil.example/oauth/identity',
    'https://evil.example/https://api.discogs.com/',
    'https://api.discogs.com:8443/oauth/identity',
    'https://user:pass@api.discogs.com/oauth/identity',
    'https://www.discogs.com/',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isDiscogsApiUrl(url)).toBe(false);
    expect(() => targetUrl(url)).toThrow(RefusedUrlError);
  });

  it('maps a Discogs URL onto a loopback override, path and query kept', () => {
    expect(targetUrl('https://api.discogs.com/users/a/wants?page=2', 'http://127.0.0.1:8080')).toBe(
      'http://127.0.0.1:8080/users/a/wants?page=2',
    );
  });

  it('still refuses other hosts when an override is set', () => {
    expect(() => targetUrl('https://evil.example/x', 'http://127.0.0.1:8080')).toThrow(
      RefusedUrlError,
    );
  });

  it.each([
    'https://discogs-proxy.example',
    'http://10.0.0.5:80',
    'file:///etc/passwd',
    'http://u:p@localhost',
  ])('accepts only loopback overrides, not %s', (base) => {
    expect(() => assertLoopbackBaseUrl(base)).toThrow(RefusedUrlError);
  });
});
