import { BrokenCircuitError } from 'cockatiel';
import type { MailProvider } from '@libs/config';
import { MailRelayError, MailRelayErrorCode } from '../relay/relay.errors';

/** The fields nodemailer puts on its errors. */
export interface NodemailerFailure extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  /** Set by the relay when the token could not be provided while a connection authenticated. */
  relayError?: MailRelayError;
}

const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'ETIMEDOUT',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
]);

// Not `instanceof Error`: socket errors may come from another realm (Node core under a VM).
const asFailure = (error: unknown): NodemailerFailure | undefined =>
  typeof error === 'object' && error !== null ? (error as NodemailerFailure) : undefined;

/** A fault of the provider as a whole (counts for its SMTP circuit breaker). */
export function isProviderFault(error: unknown): boolean {
  const e = asFailure(error);
  if (!e || e.relayError) return false;
  return e.responseCode === 421 || CONNECTION_CODES.has(e.code ?? '');
}

/** A permanent SMTP reply: 5xx except 503 (a bad sequence may pass on a new connection). */
const isPermanent = (code: number | undefined): code is number =>
  code !== undefined && code >= 500 && code < 600 && code !== 503;

/** What the relay tells the sender about a failed attempt, and whether to try again. */
export interface ClassifiedFailure {
  readonly error: MailRelayError;
  readonly retryable: boolean;
  /** The upstream refused the access token (the caller refreshes it before retrying). */
  readonly authRejected: boolean;
}

/** Maps a failed upstream attempt to the reply the local application gets. */
export function classifyUpstreamFailure(error: unknown, provider: MailProvider): ClassifiedFailure {
  const final = (e: MailRelayError) => ({ error: e, retryable: false, authRejected: false });
  if (error instanceof MailRelayError) return final(error);
  if (error instanceof BrokenCircuitError) {
    return final(
      new MailRelayError(
        MailRelayErrorCode.CircuitOpen,
        `${provider} is unavailable (circuit open); try again later`,
      ),
    );
  }
  const e = asFailure(error);
  if (e?.relayError) return final(e.relayError);
  const said = upstreamText(e?.response);
  if (e?.code === 'EAUTH') {
    const msg = `${provider} refused the access token${said}`;
    return {
      error: new MailRelayError(MailRelayErrorCode.TokenUnavailable, msg),
      retryable: true,
      authRejected: true,
    };
  }
  if (isPermanent(e?.responseCode)) {
    const reply = { code: e.responseCode, enhanced: enhancedOf(e.response) ?? '5.0.0' };
    return final(
      new MailRelayError(MailRelayErrorCode.UpstreamRejected, `rejected by ${provider}${said}`, {
        reply,
      }),
    );
  }
  if (e?.code === 'EENVELOPE' && e.responseCode === undefined) {
    const reply = { code: 553, enhanced: '5.1.3' };
    return final(
      new MailRelayError(MailRelayErrorCode.UpstreamRejected, `invalid envelope: ${e.message}`, {
        reply,
      }),
    );
  }
  const transient =
    isProviderFault(e) ||
    (e?.responseCode !== undefined && e.responseCode < 500) ||
    e?.responseCode === 503;
  const what = e?.responseCode
    ? `${provider} deferred the message${said}`
    : `${provider} could not be reached (${e?.code ?? 'error'})`;
  return {
    error: new MailRelayError(MailRelayErrorCode.UpstreamUnavailable, what, { cause: error }),
    retryable: transient,
    authRejected: false,
  };
}

/** The enhanced status code of an SMTP reply (`550 5.1.1 …` → `5.1.1`). */
function enhancedOf(response: string | undefined): string | undefined {
  return /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(response ?? '')?.[1];
}

/** The upstream's own words, first line only and bounded, for the local application. */
function upstreamText(response: string | undefined): string {
  if (!response) return '';
  const line = response.split(/\r?\n/)[0].replace(/^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3} )?/, '');
  return `: ${line.slice(0, 200)}`;
}
