/** A Discogs account of the fake: its token and how many items it owns and wants. */
export interface FakeDiscogsUser {
  readonly token: string;
  readonly username: string;
  readonly id: number;
  readonly collection: number;
  readonly wants: number;
}

/** The instance ids of a fake user's collection (or the release ids of their wants). */
export function fakeItemIds(user: FakeDiscogsUser, kind: 'releases' | 'wants'): number[] {
  const count = kind === 'releases' ? user.collection : user.wants;
  return Array.from({ length: count }, (_, i) => itemId(user, kind, i + 1));
}

function itemId(user: FakeDiscogsUser, kind: 'releases' | 'wants', n: number): number {
  return user.id * 10_000_000 + (kind === 'wants' ? 5_000_000 : 0) + n;
}

function basicInformation(id: number, n: number) {
  return {
    id,
    title: `Record ${n}`,
    year: 1960 + (n % 60),
    resource_url: `https://api.discogs.com/releases/${id}`,
    thumb: '',
    cover_image: '',
    artists: [{ name: `Artist ${n % 97}`, id: 1000 + (n % 97) }],
    labels: [{ name: 'Fake Label', catno: `FL-${n}` }],
    formats: [{ name: 'Vinyl', qty: '1', descriptions: ['LP'] }],
    genres: ['Rock'],
  };
}

/** One page of a collection (`releases`) or wantlist (`wants`), newest first, as Discogs pages. */
export function discogsPage(
  url: URL,
  user: FakeDiscogsUser,
  kind: 'releases' | 'wants',
  origin: string,
): { status: number; body: object } {
  const total = kind === 'releases' ? user.collection : user.wants;
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 50)));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (page > pages) return { status: 404, body: { message: 'Page out of range' } };
  const first = (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  const items = [];
  for (let n = first; n <= last; n++) {
    const id = itemId(user, kind, n);
    const releaseId = kind === 'releases' ? 5_000_000 + n : id;
    const dateAdded = new Date(Date.UTC(2024, 0, 1) - n * 60_000).toISOString();
    const common = {
      id: releaseId,
      rating: n % 6,
      date_added: dateAdded,
      basic_information: basicInformation(releaseId, n),
    };
    items.push(
      kind === 'releases'
        ? { instance_id: id, folder_id: 1, ...common }
        : { resource_url: `https://api.discogs.com/releases/${id}`, ...common },
    );
  }
  const link = (p: number) => {
    const next = new URL(url.pathname, origin);
    next.searchParams.set('page', String(p));
    next.searchParams.set('per_page', String(perPage));
    return next.href;
  };
  const urls = {
    ...(page > 1 ? { first: link(1), prev: link(page - 1) } : {}),
    ...(page < pages ? { next: link(page + 1), last: link(pages) } : {}),
  };
  return {
    status: 200,
    body: { pagination: { page, pages, per_page: perPage, items: total, urls }, [kind]: items },
  };
}
