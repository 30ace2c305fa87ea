import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/**
 * Token counters. Per-client counts live in a plain Map on the hot path and become the
 * Prometheus counter only when scraped.
 */
@Injectable()
export class TokenMetrics {
  private readonly byClient = new Map<string, number>();

  constructor(registry: Registry) {
    const byClient = this.byClient;
    new Counter({
      name: 'auth_tokens_issued_total',
      help: 'Access tokens issued, by client',
      labelNames: ['client_id'],
      registers: [registry],
      collect() {
        for (const [clientId, n] of byClient) this.inc({ client_id: clientId }, n);
        byClient.clear();
      },
    });
  }

  issued(clientId: string): void {
    this.byClient.set(clientId, (this.byClient.get(clientId) ?? 0) + 1);
  }
}
