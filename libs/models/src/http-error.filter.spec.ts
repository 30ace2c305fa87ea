import { BadRequestException, NotFoundException } from '@nestjs/common';
import { runWithCorrelationId } from '@libs/observability';
import { AppError } from './app-error';
import { HttpErrorFilter } from './http-error.filter';

enum WidgetErrorCode {
  Missing = 65006,
  Broken = 65011,
}
class WidgetError extends AppError<WidgetErrorCode> {
  override get httpStatus(): number {
    return this.code === WidgetErrorCode.Missing ? 404 : 500;
  }
}

describe('HttpErrorFilter', () => {
  const filter = new HttpErrorFilter();

  it('maps an AppError to its status, code and message with the correlation id', () => {
    const result = runWithCorrelationId('c-1', () =>
      filter.toBody(new WidgetError(WidgetErrorCode.Missing, 'widget 7 not found')),
    );
    expect(result).toEqual({
      status: 404,
      body: { error: { code: 65006, message: 'widget 7 not found', correlationId: 'c-1' } },
    });
  });

  it('lists validation messages as details', () => {
    const result = filter.toBody(
      new BadRequestException(['name must be a string', 'size must be positive']),
    );
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({
      code: 'validation_failed',
      message: 'request validation failed',
      details: ['name must be a string', 'size must be positive'],
    });
  });

  it('keeps the message of plain HTTP exceptions', () => {
    expect(filter.toBody(new NotFoundException('no such route')).body.error).toMatchObject({
      code: 'not_found',
      message: 'no such route',
    });
  });

  it('never leaks the message of an unexpected error', () => {
    const result = filter.toBody(new Error('password=hunter2 at db.internal'));
    expect(result).toEqual({
      status: 500,
      body: {
        error: { code: 'internal_error', message: 'internal error', correlationId: undefined },
      },
    });
  });
});
