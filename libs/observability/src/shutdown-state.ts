import { Injectable } from '@nestjs/common';

/** Set once a termination signal arrives; readiness turns false from that moment. */
@Injectable()
export class ShutdownState {
  private since: number | undefined;

  begin(): void {
    this.since ??= Date.now();
  }

  get shuttingDown(): boolean {
    return this.since !== undefined;
  }
}
