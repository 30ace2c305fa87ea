import { PRUNE_JOB } from './token-flush.constants';
import { TokenFlushProcessor } from './token-flush.processor';
import type { TokenFlusher } from './token-flusher';
import type { TokenRecordPruner } from './token-record-pruner';

describe('TokenFlushProcessor', () => {
  const flusher = { flushAll: jest.fn(async () => 7) };
  const pruner = { prune: jest.fn(async () => 3) };
  const processor = new TokenFlushProcessor(
    flusher as unknown as TokenFlusher,
    pruner as unknown as TokenRecordPruner,
  );

  it('runs the prune job through the pruner and every other job as a bounded flush', async () => {
    expect(await processor.process({ name: PRUNE_JOB })).toBe(3);
    expect(await processor.process({ name: 'flush' })).toBe(7);
    expect(pruner.prune).toHaveBeenCalledTimes(1);
    expect(flusher.flushAll).toHaveBeenCalledWith(50);
  });
});
