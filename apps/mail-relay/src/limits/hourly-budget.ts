import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Keyspace, luaCommand, REDIS, type LuaCommand } from '@libs/redis';
import type { TokenBucket } from './token-bucket';

const HOUR_MS = 3_600_000;

// A token bucket in a Redis hash, the same for every relay pod: { tokens, at }. ARGV[1] is the
// hourly budget, ARGV[2] the cost (1 takes a message, -1 gives one back). Redis's own clock
// refills it, so pods with skewed clocks agree. Answers { taken, ms until the next token }. A
// bucket untouched for an hour is full again, which is what its expiry leaves behind.
const BUCKET = `
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local capacity = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or capacity)
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or now)
tokens = math.min(capacity, tokens + math.max(0, now - at) * capacity / ${HOUR_MS})
local taken = 1
if cost > tokens then taken = 0 else tokens = math.min(capacity, tokens - cost) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], ${HOUR_MS})
local wait = 0
if taken == 0 then wait = math.ceil((1 - tokens) * ${HOUR_MS} / capacity) end
return { taken, wait }`;

type BucketCommand = LuaCommand<[capacity: number, cost: number], [number, number]>;

/** A message's claim on its account's hourly budget. */
export type BudgetClaim =
  { allowed: true; refund: () => void } | { allowed: false; retryAfterMs: number };

const UNLIMITED: BudgetClaim = { allowed: true, refund: () => undefined };

/**
 * The hourly budgets of the accounts (`max_messages_per_hour`), shared by every relay pod through
 * Redis: N pods still send at most the budget for a mailbox, as the provider counts it. One
 * script call per message (auto-pipelined). While Redis is unreachable each pod falls back to
 * the account's own in-memory bucket, so messages keep flowing, within a per-pod budget.
 */
@Injectable()
export class HourlyBudgets {
  private readonly bucket: BucketCommand;
  /** When a pod last saw an account's shared budget spent, until when (refusal at MAIL FROM). */
  private readonly spentUntil = new WeakMap<TokenBucket, number>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keyspace: Keyspace,
  ) {
    this.bucket = luaCommand(redis, 'porticoMailBudget', BUCKET);
  }

  /**
   * Milliseconds until a message may go, as far as this pod knows without asking Redis (0: it
   * may try now). Lets MAIL FROM refuse early; `claim` decides.
   */
  knownWait(local: TokenBucket | undefined, now = Date.now()): number {
    if (!local) return 0;
    const until = this.spentUntil.get(local) ?? 0;
    if (until > now) return until - now;
    return this.redis.status === 'ready' ? 0 : local.retryAfterMs();
  }

  /** Takes one message from the budget of `email` (none when `local` is undefined: unlimited). */
  async claim(email: string, local: TokenBucket | undefined): Promise<BudgetClaim> {
    if (!local) return UNLIMITED;
    const key = this.keyspace.key(`mail:budget:{${email}}`);
    if (this.redis.status === 'ready') {
      try {
        const [taken, wait] = await this.bucket(key, local.capacity, 1);
        if (Number(taken) === 1) {
          return {
            allowed: true,
            refund: () => void this.bucket(key, local.capacity, -1).catch(() => undefined),
          };
        }
        this.spentUntil.set(local, Date.now() + Number(wait));
        return { allowed: false, retryAfterMs: Number(wait) };
      } catch {
        // Redis failed mid-call: the pod's own bucket decides, as while it is down.
      }
    }
    if (!local.take()) return { allowed: false, retryAfterMs: local.retryAfterMs() };
    return { allowed: true, refund: () => local.refund() };
  }
}
