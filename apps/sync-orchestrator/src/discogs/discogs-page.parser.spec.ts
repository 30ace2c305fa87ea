import { InvalidDiscogsBodyError, parseIdentity, parsePage } from './discogs-page.parser';
import { identityUrl, pageUrl } from './discogs-requests';

const release = (instanceId: number, extra: object = {}) => ({
  id: 100 + instanceId,
  instance_id: instanceId,
  folder_id: 1,
  rating: 4,
  date_added: '2024-01-01T10:00:00-08:00',
  basic_information: { id: 100 + instanceId, title: 'T' },
  ...extra,
});
const page = (list: object[], pagination: object = { page: 1, pages: 3, items: 250 }) =>
  JSON.stringify({ pagination: { per_page: 100, ...pagination }, releases: list, wants: list });

describe('Discogs requests', () => {
  it('builds only https://api.discogs.com URLs with the largest page size', () => {
    expect(identityUrl()).toBe('https://api.discogs.com/oauth/identity');
    expect(pageUrl('collection', 'rock fan/1', 6)).toBe(
      'https://api.discogs.com/users/rock%20fan%2F1/collection/folders/0/releases?page=6&per_page=100&sort=added&sort_order=desc',
    );
    expect(pageUrl('wantlist', 'bob', 2)).toBe(
      'https://api.discogs.com/users/bob/wants?page=2&per_page=100',
    );
  });
});

describe('parsePage', () => {
  it('reads pagination and items of a collection page', () => {
    const parsed = parsePage(page([release(7), release(8, { rating: 9 })]), 'collection');
    expect(parsed).toMatchObject({ page: 1, pages: 3, totalItems: 250 });
    expect(parsed.items[0]).toEqual({
      instanceId: 7,
      releaseId: 107,
      folderId: 1,
      rating: 4,
      dateAdded: '2024-01-01T10:00:00-08:00',
      basicInformation: { id: 107, title: 'T' },
      notes: null,
    });
    expect(parsed.items[1].rating).toBeNull();
  });

  it('keys wants by release id', () => {
    const parsed = parsePage(page([{ id: 55, basic_information: {} }]), 'wantlist');
    expect(parsed.items[0]).toMatchObject({ instanceId: 55, releaseId: 55, folderId: null });
  });

  it('keeps one entry per id', () => {
    const parsed = parsePage(page([release(7), release(7, { rating: 1 })]), 'collection');
    expect(parsed.items).toHaveLength(1);
    expect(parsed.items[0].rating).toBe(1);
  });

  it('treats an empty collection as one page', () => {
    expect(parsePage(page([], { page: 1, pages: 0, items: 0 }), 'collection').pages).toBe(1);
  });

  it.each([
    ['not JSON', 'oops'],
    ['an array', '[]'],
    ['no pagination', JSON.stringify({ releases: [] })],
    ['a negative page count', page([], { page: 1, pages: -1, items: 0 })],
    ['too many items', page(Array.from({ length: 101 }, (_, i) => release(i + 1)))],
    ['an item without id', page([{ instance_id: 1, basic_information: {} }])],
    ['an item without basic_information', page([release(1, { basic_information: 'x' })])],
    ['a bad date', page([release(1, { date_added: 'yesterday' })])],
  ])('rejects %s', (_what, body) => {
    expect(() => parsePage(body, 'collection')).toThrow(InvalidDiscogsBodyError);
  });
});

describe('parseIdentity', () => {
  it('reads the username and refuses odd ones', () => {
    expect(parseIdentity('{"id":1,"username":"rock.fan-1"}')).toBe('rock.fan-1');
    expect(() => parseIdentity('{"username":"../admin"}')).toThrow(InvalidDiscogsBodyError);
    expect(() => parseIdentity('{"id":1}')).toThrow(InvalidDiscogsBodyError);
  });
});
