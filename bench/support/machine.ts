import { cpus, totalmem } from 'node:os';

/** One line naming the machine a benchmark ran on. */
export function machineLine(): string {
  const cpu = cpus();
  const memGiB = (totalmem() / 2 ** 30).toFixed(0);
  return `machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, ${memGiB} GiB, node ${process.version}, ${process.platform}/${process.arch}`;
}
