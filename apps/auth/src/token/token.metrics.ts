import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/**
 * Token counters. Per-client counts live in a plain Map on the hot path and become the
 * Prometheus counter only when scraped.
 */
@Injectable()
export class TokenMetrics {
  private readonly byClient = new Map<string, number>();
  private readonly outcomes = new Map<string, number>();

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
    const outcomes = this.outcomes;
    new Counter({
      name: 'auth_oauth_responses_total',
      help: 'Answers of the OAuth endpoints by endpoint and outcome (ok or the OAuth error code)',
      labelNames: ['endpoint', 'outcome'],
      registers: [registry],
      collect() {
        for (const [key, n] of outcomes) {
          const [endpoint, outcome] = key.split('\n');
          this.inc({ endpoint, outcome }, n);
        }
        outcomes.clear();
      },
    });
  }

  /** Counts one answer of an OAuth endpoint: `ok` or its error code. */
  outcome(endpoint: string, outcome: string): void {
    const key = `${endpoint}\n${outcome}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  issued(clientId: string): void {
    this.byClient.set(clientId, (this.byClient.get(clientId) ?? 0) + 1);
  }
}
