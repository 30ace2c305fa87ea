import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Namespace } from 'socket.io';
import {
  envelope,
  MessageType,
  sessionChannel,
  SYNC_EVENT,
  type ApiRequestData,
  type ErrorData,
  type MessageData,
} from '@libs/sync-client';

/** The part of a socket.io socket the sync needs (a fake in unit tests). */
export interface ClientSocket {
  readonly id: string;
  readonly connected: boolean;
  emit(event: string, ...args: unknown[]): boolean;
}

/** socket.io room of every socket of one user, on every pod. */
export const userRoom = (userId: string): string => `user:${userId}`;

type ServerMessage = Exclude<MessageType, 'discogs_api_request' | 'discogs_api_response'>;

/** Sends protocol messages: requests to one socket, everything else to all of a user's sockets. */
@Injectable()
export class SyncMessenger {
  private namespace: Namespace | undefined;

  /** Called once the socket.io namespace exists. */
  bind(namespace: Namespace): void {
    this.namespace = namespace;
  }

  /** Asks one client to execute a request. */
  request(socket: ClientSocket, sessionId: string, data: ApiRequestData): void {
    socket.emit(
      SYNC_EVENT,
      envelope(randomUUID(), MessageType.ApiRequest, sessionChannel(sessionId), data),
    );
  }

  /** Tells every socket of the user (on any pod) about a session. */
  toUser<T extends ServerMessage>(
    userId: string,
    sessionId: string | null,
    type: T,
    data: MessageData[T],
  ): void {
    const channel = sessionId === null ? 'sync' : sessionChannel(sessionId);
    this.namespace
      ?.to(userRoom(userId))
      .emit(SYNC_EVENT, envelope(randomUUID(), type, channel, data));
  }

  /** Tells one socket that something it sent was refused. */
  refuse(socket: ClientSocket, data: ErrorData): void {
    socket.emit(SYNC_EVENT, envelope(randomUUID(), MessageType.Error, 'sync', data));
  }
}
