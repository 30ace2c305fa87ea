export { Streams, DEFAULT_MAX_LEN, compareEntryIds } from './streams';
export { type Envelope, type ReceivedMessage } from './envelope';
export {
  HandlerTimeoutError,
  NonRetryableError,
  PayloadValidationError,
  RpcClosedError,
  RpcErrorCode,
  RpcTimeoutError,
  UnparseableEntryError,
} from './messaging.errors';
export {
  StreamPublisher,
  TypedStreamPublisher,
  STREAM_MAX_LEN,
  type PublishOptions,
  type PublishRequest,
} from './stream-publisher';
export { type ConsumerGroupOptions } from './consumer-group.options';
export {
  RedisStreamsServer,
  type RedisStreamsServerOptions,
  type RpcServerOptions,
} from './redis-streams.server';
export { type BatchOutcome, type StreamHandlerExtras } from './event-dispatcher';
export { StreamBatch, StreamEvent } from './stream-decorators';
export { type StreamBatchContext, type StreamContext } from './stream-context';
export { type PayloadClass, validatePayload } from './payload-validation';
export { compileCheck, type CompiledCheck } from './compiled-validation';
export { RpcClient, type RpcClientOptions } from './rpc-client';
export { RedisStreamsClient, type RedisStreamsClientOptions } from './redis-streams.client';
export { type RpcReply } from './rpc-responder';
export {
  FanoutSubscription,
  type FanoutHandlers,
  type FanoutOptions,
  type GapReason,
} from './fanout-subscription';
export { recordProcessed } from './processed-events';
export { newEventId } from './event-id';
export {
  countDeadLetters,
  listDeadLetters,
  replayDeadLetters,
  type DeadLetter,
} from './dead-letters';
export { MessagingMetrics } from './messaging.metrics';
export { MessagingModule } from './messaging.module';
