/** A dependency readiness waits for; `check` rejects (or times out) when it is unavailable. */
export interface ReadinessCheck {
  readonly name: string;
  check(signal: AbortSignal): Promise<void>;
}

/** DI token of the array of readiness checks an app registered. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
