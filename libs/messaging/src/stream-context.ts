import { BaseRpcContext } from '@nestjs/microservices';
import type { Envelope, ReceivedMessage } from './envelope';

/**
 * What `@Ctx()` gives a handler of one entry. Declared as an interface on purpose: a parameter
 * typed with a class would be fed to a global ValidationPipe (which would strip or refuse the
 * context's fields); an interface type reaches Nest as `Object`, which pipes leave alone.
 */
export interface StreamContext {
  readonly message: ReceivedMessage;
  /** The entry's envelope (id, type, correlationId, …). */
  getEnvelope(): Envelope;
  getMessage(): ReceivedMessage;
}

/** What `@Ctx()` gives a batch handler. */
export interface StreamBatchContext {
  readonly stream: string;
  readonly messages: readonly ReceivedMessage[];
}

export class MessageContext extends BaseRpcContext<[ReceivedMessage]> implements StreamContext {
  constructor(readonly message: ReceivedMessage) {
    super([message]);
  }

  getEnvelope(): Envelope {
    return this.message.envelope;
  }

  getMessage(): ReceivedMessage {
    return this.message;
  }
}

export class BatchContext
  extends BaseRpcContext<[readonly ReceivedMessage[]]>
  implements StreamBatchContext
{
  constructor(
    readonly stream: string,
    readonly messages: readonly ReceivedMessage[],
  ) {
    super([messages]);
  }
}
