import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Process metrics plus a request-duration histogram fed by a Fastify `onResponse` hook. */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;
  // Label children by method/route/status: observing through a child skips label hashing.
  private readonly children = new Map<
    string,
    ReturnType<Histogram<'method' | 'route' | 'status_code'>['labels']>
  >();

  constructor(
    private readonly registry: Registry,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    collectDefaultMetrics({ register: registry });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      // Unmatched URLs share one label so scanners cannot explode the label set.
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${request.method} ${reply.statusCode} ${route}`;
      let child = this.children.get(key);
      if (!child) {
        child = this.duration.labels(request.method, route, String(reply.statusCode));
        this.children.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
      done();
    });
  }
}
