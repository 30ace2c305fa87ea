import type { ArgumentsHost } from '@nestjs/common';
import { CommonError, CommonErrorCode } from '@libs/models';
import { AppErrorFilter } from './app-error.filter';

function host(type: 'http' | 'rpc', reply?: object): ArgumentsHost {
  return {
    getType: () => type,
    switchToHttp: () => ({ getResponse: () => reply }),
  } as unknown as ArgumentsHost;
}

describe('AppErrorFilter', () => {
  const filter = new AppErrorFilter();
  const error = new CommonError(CommonErrorCode.NotFound, 'gone');

  it('rethrows errors of message handlers untouched, for the transport to classify', () => {
    expect(() => filter.catch(error, host('rpc'))).toThrow(error);
  });

  it('answers HTTP errors with the documented body', () => {
    const sent: unknown[] = [];
    const reply = {
      status: () => reply,
      header: () => reply,
      send: (body: unknown) => sent.push(body),
    };
    filter.catch(error, host('http', reply));
    expect(sent).toEqual([
      { error: { code: 'not_found', message: 'gone', correlationId: undefined } },
    ]);
  });
});
