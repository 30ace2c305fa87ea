/**
 * Drops the entries of a map that have run out, at most once per `everyMs` (the caller calls
 * `sweep` whenever it adds one). Maps keyed by client id or source IP would otherwise keep an
 * entry for every key ever seen: for source IPs and unknown client ids, that is memory an
 * attacker chooses.
 */
export class ExpiredEntries<K, V> {
  private nextSweepAt = 0;

  constructor(
    private readonly map: Map<K, V>,
    private readonly expired: (value: V, now: number) => boolean,
    private readonly everyMs: number,
  ) {}

  sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + this.everyMs;
    for (const [key, value] of this.map) if (this.expired(value, now)) this.map.delete(key);
  }
}
