// Minimal typings for the benchmark-only packages that ship none.
declare module 'autocannon' {
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  interface Options {
    url: string;
    method?: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    body?: string;
    overallRate?: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}

declare module 'oidc-provider' {
  export default class Provider {
    constructor(issuer: string, configuration: object);
    listen(port: number, callback: () => void): void;
  }
}
