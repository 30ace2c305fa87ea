import { BrokenCircuitError } from 'cockatiel';
import { MailRelayError, MailRelayErrorCode } from '../relay/relay.errors';
import { classifyUpstreamFailure, isProviderFault } from './upstream-failure';

const failure = (fields: Record<string, unknown>) => Object.assign(new Error('failed'), fields);

describe('upstream failure classification', () => {
  it('forwards a permanent rejection with the upstream code and enhanced status', () => {
    const { error, retryable } = classifyUpstreamFailure(
      failure({
        code: 'EENVELOPE',
        responseCode: 550,
        response: '550 5.1.1 <x@example.net>: no such user',
      }),
      'gmail',
    );
    expect(retryable).toBe(false);
    expect(error.reply).toEqual({ code: 550, enhanced: '5.1.1' });
    expect(error.message).toBe('rejected by gmail: <x@example.net>: no such user');
  });

  it('retries connection failures, 421 and 4xx deferrals, and counts the first two for the breaker', () => {
    for (const f of [
      failure({ code: 'ECONNECTION' }),
      failure({ code: 'ETIMEDOUT' }),
      failure({ responseCode: 421, response: '421 4.7.0 try later' }),
    ]) {
      expect(classifyUpstreamFailure(f, 'outlook')).toMatchObject({
        retryable: true,
        error: { code: MailRelayErrorCode.UpstreamUnavailable },
      });
      expect(isProviderFault(f)).toBe(true);
    }
    const deferred = failure({
      code: 'EENVELOPE',
      responseCode: 450,
      response: '450 4.2.1 slow down',
    });
    expect(classifyUpstreamFailure(deferred, 'gmail')).toMatchObject({
      retryable: true,
      error: { reply: { code: 451 } },
    });
    expect(isProviderFault(deferred)).toBe(false);
  });

  it('marks a refused access token for one refresh, not for the breaker', () => {
    const refused = failure({ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad token' });
    expect(classifyUpstreamFailure(refused, 'gmail')).toMatchObject({
      authRejected: true,
      retryable: true,
      error: { code: MailRelayErrorCode.TokenUnavailable },
    });
    expect(isProviderFault(refused)).toBe(false);
  });

  it('passes through a token failure raised while a connection authenticated', () => {
    const tokenError = new MailRelayError(MailRelayErrorCode.TokenUnavailable, 'no token');
    const wrapped = failure({ code: 'EAUTH', relayError: tokenError });
    expect(classifyUpstreamFailure(wrapped, 'gmail')).toEqual({
      error: tokenError,
      retryable: false,
      authRejected: false,
    });
    expect(isProviderFault(failure({ code: 'ECONNECTION', relayError: tokenError }))).toBe(false);
  });

  it('fails fast on an open circuit', () => {
    const { error, retryable } = classifyUpstreamFailure(new BrokenCircuitError(), 'outlook');
    expect(retryable).toBe(false);
    expect(error.reply).toEqual({ code: 451, enhanced: '4.4.1' });
  });

  it('recognises errors from another realm (plain objects with the fields)', () => {
    expect(isProviderFault({ code: 'ESOCKET' })).toBe(true);
  });
});
