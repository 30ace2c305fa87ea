import { Semaphore, SlotTimeoutError } from './semaphore';

const never = new AbortController().signal;

describe('semaphore with deadlines', () => {
  it('admits up to its capacity and hands slots over in arrival order', async () => {
    const slots = new Semaphore(2, 'test');
    const a = await slots.acquire(never);
    await slots.acquire(never);
    const order: string[] = [];
    const c = slots.acquire(never).then((release) => (order.push('c'), release));
    const d = slots.acquire(never).then((release) => (order.push('d'), release));
    expect(slots.waiting).toBe(2);
    a();
    a(); // a second release of the same slot is ignored
    (await c)();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect(slots.active).toBe(1);
  });

  it('drops a waiter whose deadline fires and keeps the slot count right', async () => {
    const slots = new Semaphore(1, 'account_concurrency');
    const release = await slots.acquire(never);
    const deadline = new AbortController();
    const waiting = slots.acquire(deadline.signal);
    deadline.abort();
    await expect(waiting).rejects.toEqual(new SlotTimeoutError('account_concurrency'));
    expect(slots.waiting).toBe(0);
    release();
    expect(slots.active).toBe(0);
    await expect(slots.run(never, async () => 'ran')).resolves.toBe('ran');
  });

  it('refuses at once when the deadline already passed', async () => {
    const slots = new Semaphore(1, 'global_concurrency');
    await expect(slots.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(SlotTimeoutError);
  });
});
