import { ConfigError } from './config.error';
import { loadAdminCliConfig, loadEventConsumerConfig } from './event-consumer.config';

describe('event-consumer config', () => {
  it('defaults to the documented consumer settings and a process-unique consumer name', () => {
    const { adminEvents, app } = loadEventConsumerConfig({});
    expect(adminEvents).toMatchObject({
      consumerName: app.instanceId,
      batchSize: 1_000,
      blockMs: 2_000,
      minIdleMs: 60_000,
      handlerTimeoutMs: 30_000,
      claimIntervalMs: 10_000,
      maxDeliveries: 5,
      rpcTimeoutMs: 10_000,
      dlqMaxLen: 100_000,
    });
  });

  it('reads every setting from the environment', () => {
    const { adminEvents } = loadEventConsumerConfig({
      EVENT_CONSUMER_NAME: 'pod-7',
      EVENT_CONSUMER_BATCH_SIZE: '500',
      EVENT_CONSUMER_MIN_IDLE_MS: '5000',
      EVENT_CONSUMER_HANDLER_TIMEOUT_MS: '2000',
      EVENT_CONSUMER_RPC_TIMEOUT_MS: '1000',
      EVENT_CONSUMER_MAX_DELIVERIES: '9',
    });
    expect(adminEvents).toMatchObject({
      consumerName: 'pod-7',
      batchSize: 500,
      minIdleMs: 5_000,
      handlerTimeoutMs: 2_000,
      rpcTimeoutMs: 1_000,
      maxDeliveries: 9,
    });
  });

  it('refuses batches above the registry limit and timings that break the delivery promises', () => {
    expect(() => loadEventConsumerConfig({ EVENT_CONSUMER_BATCH_SIZE: '5001' })).toThrow(
      /EVENT_CONSUMER_BATCH_SIZE/,
    );
    expect(() => loadEventConsumerConfig({ EVENT_CONSUMER_MIN_IDLE_MS: '30000' })).toThrow(
      expect.objectContaining({
        problems: ['EVENT_CONSUMER_MIN_IDLE_MS: must exceed EVENT_CONSUMER_HANDLER_TIMEOUT_MS'],
      }),
    );
    expect(() => loadEventConsumerConfig({ EVENT_CONSUMER_RPC_TIMEOUT_MS: '30000' })).toThrow(
      ConfigError,
    );
    expect(() => loadEventConsumerConfig({ EVENT_CONSUMER_NAME: 'has space' })).toThrow(
      /EVENT_CONSUMER_NAME/,
    );
  });

  it('gives the admin command line Redis and the retention of its writes', () => {
    const { redis, cli } = loadAdminCliConfig({
      REDIS_KEY_PREFIX: 'p:',
      ADMIN_EVENTS_MAX_LEN: '5000',
    });
    expect(redis).toMatchObject({ url: 'redis://127.0.0.1:6379/0', keyPrefix: 'p:' });
    expect(cli.maxLen).toBe(5_000);
    expect(loadAdminCliConfig({}).cli.maxLen).toBe(100_000);
  });
});
