// CPU time spent by named processes over a window, read from /proc (Linux; elsewhere the
// snapshot is empty and the report says so). Benchmarks use it to say where the cycles of a
// run went: the apps under test, PostgreSQL's backends, Redis, and the load generator itself.
import { readFileSync, readdirSync } from 'node:fs';

/** Linux reports utime and stime in clock ticks; every mainstream kernel uses 100 per second. */
const TICKS_PER_SECOND = 100;

export type CpuSnapshot = Map<string, number>;

/** CPU seconds of one process (user + system), or undefined once it has gone. */
function processSeconds(pid: number | string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function commandName(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds so far of the given processes (by label), plus every process whose command name
 * is one of `servers` (summed per name: PostgreSQL forks a backend per connection).
 */
export function cpuSnapshot(
  processes: Record<string, number | undefined>,
  servers: readonly string[] = ['postgres', 'redis-server'],
): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return snapshot;
  }
  for (const [label, pid] of Object.entries(processes)) {
    const seconds = pid === undefined ? undefined : processSeconds(pid);
    if (seconds !== undefined) snapshot.set(label, seconds);
  }
  for (const pid of pids) {
    const name = commandName(pid);
    if (!name || !servers.includes(name)) continue;
    snapshot.set(name, (snapshot.get(name) ?? 0) + (processSeconds(pid) ?? 0));
  }
  return snapshot;
}

/**
 * CPU seconds spent between two snapshots, per label. A PostgreSQL backend that exited in
 * between takes its time with it, so server figures are lower bounds.
 */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [label, seconds] of after)
    spent.set(label, Math.max(0, seconds - (before.get(label) ?? 0)));
  return spent;
}
