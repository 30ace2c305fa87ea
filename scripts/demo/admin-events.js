// The Admin Service's side of the demo: client events appended to stream:admin.client.events
// exactly as the contract says, after the event consumer's own validation (so a bad event fails
// here, not in a dead-letter queue), and removed again once every consumer group has
// delivered and acknowledged them.
const { Logger } = require('@nestjs/common');
const { v7: uuidv7 } = require('uuid');
const { fromDist } = require('./dist');

const messaging = fromDist('libs/messaging/src');
const redisLib = fromDist('libs/redis/src');
const { validateAdminEvent } = fromDist(
  'apps/event-consumer/src/admin-events/admin-event.validation',
);

// The Redis client logs connection trouble through Nest's logger; the demo says it in its step.
Logger.overrideLogger(false);

class AdminEvents {
  constructor(settings, runId) {
    this.url = new URL(settings.redis.url);
    if (this.url.password) this.url.password = '***';
    this.redis = redisLib.createRedis(settings.redis);
    this.keyspace = new redisLib.Keyspace(settings.redis.keyPrefix);
    this.publisher = new messaging.StreamPublisher(this.redis, this.keyspace, settings.maxLen);
    this.stream = messaging.Streams.AdminClientEvents;
    this.key = this.keyspace.key(this.stream);
    this.correlationId = `portico-demo-${runId}`;
    /** Entry ids this demo appended. */
    this.entries = [];
  }

  async ping() {
    try {
      await this.redis.ping();
    } catch (error) {
      throw new Error(`Redis is not reachable at ${this.url} (${error.message})`);
    }
  }

  /** Validates and appends one event; resolves with its event id and stream entry id. */
  async publish(type, payload) {
    const event = { id: uuidv7(), type, occurredAt: new Date().toISOString(), payload };
    await validateAdminEvent(event);
    const entryId = await this.publisher.publish(this.stream, type, payload, {
      id: event.id,
      occurredAt: event.occurredAt,
      correlationId: this.correlationId,
    });
    this.entries.push(entryId);
    return { eventId: event.id, entryId };
  }

  /** Entries of this demo that some consumer group has not yet delivered and acknowledged. */
  async unsettled() {
    const groups = (await this.redis.xinfo('GROUPS', this.key)).map(fieldMap);
    // Nobody has read the stream: the entries are still work to do, not leftovers.
    if (groups.length === 0) return [...this.entries];
    const open = [];
    for (const id of this.entries) {
      for (const group of groups) {
        const delivered = messaging.compareEntryIds(id, group['last-delivered-id']) <= 0;
        if (!delivered || (await this.redis.xpending(this.key, group.name, id, id, 1)).length) {
          open.push(id);
          break;
        }
      }
    }
    return open;
  }

  /** Deletes this demo's entries that every group acknowledged; resolves with how many. */
  async removeSettled() {
    const open = new Set(await this.unsettled());
    const settled = this.entries.filter((id) => !open.has(id));
    if (settled.length > 0) await this.redis.xdel(this.key, ...settled);
    this.entries = this.entries.filter((id) => open.has(id));
    return settled.length;
  }

  close() {
    return redisLib.closeRedis(this.redis);
  }
}

/** XINFO's flat [name, value, …] reply as an object. */
function fieldMap(flat) {
  const map = {};
  for (let i = 0; i + 1 < flat.length; i += 2) map[flat[i]] = flat[i + 1];
  return map;
}

module.exports = { AdminEvents };
