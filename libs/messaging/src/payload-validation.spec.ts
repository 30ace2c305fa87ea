import 'reflect-metadata';
import { Exclude, Expose, plainToInstance, Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, validateSync } from 'class-validator';
import { validatePayload } from './payload-validation';
import { transformerDecorated } from './transformer-metadata';

class Plain {
  @IsString()
  id!: string;

  @IsOptional()
  @IsInt()
  count?: number;

  @IsOptional()
  @IsString({ each: true })
  tags?: string[];

  @IsOptional()
  meta?: Record<string, unknown>;

  kind = 'plain';
}

class Lowercased {
  @IsString()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  code!: string;
}

class Renamed {
  @IsOptional()
  @IsString()
  @Expose({ name: 'client-code' })
  code?: string;
}

class Converted {
  @IsInt()
  @Type(() => Number)
  n!: number;
}

class Excluded {
  @IsOptional()
  @IsIn(['x'])
  @Exclude()
  hidden?: string;
}

class Child extends Lowercased {}

/** plainToInstance, then class-validator's whitelist: what validatePayload answered before. */
function classTransformerResult<T extends object>(cls: new () => T, plain: object): T {
  const instance = plainToInstance(cls, plain);
  expect(validateSync(instance, { whitelist: true, forbidUnknownValues: true })).toEqual([]);
  return instance;
}

describe('validatePayload without class-transformer', () => {
  it('answers what plainToInstance and the whitelist answer for undecorated classes', async () => {
    const payloads = [
      { id: 'a' },
      { id: 'b', count: 3, extra: 'dropped', kind: 'other' },
      { id: 'c', tags: ['x', 'y'], meta: { nested: { deep: [1, 2] } } },
      { id: 'd', count: 0, tags: [], meta: {} },
    ];
    for (const payload of payloads) {
      const value = await validatePayload(Plain, payload);
      expect(value).toBeInstanceOf(Plain);
      expect(value).toEqual(classTransformerResult(Plain, payload));
      expect(Object.keys(value).sort()).toEqual(
        Object.keys(classTransformerResult(Plain, payload)).sort(),
      );
    }
  });

  it('keeps a __proto__ key of parsed JSON as data, never as the prototype', async () => {
    const payload = JSON.parse('{"id":"a","__proto__":{"count":"not a number","polluted":true}}');
    const value = await validatePayload(Plain, payload);
    expect(Object.getPrototypeOf(value)).toBe(Plain.prototype);
    expect(value.count).toBeUndefined();
    expect((value as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('runs class-transformer for classes with its decorators', async () => {
    expect(await validatePayload(Lowercased, { code: 'ABC' })).toEqual(
      Object.assign(new Lowercased(), { code: 'abc' }),
    );
    expect(await validatePayload(Child, { code: 'XY' })).toMatchObject({ code: 'xy' });
    expect(await validatePayload(Renamed, { 'client-code': 'c1' })).toMatchObject({ code: 'c1' });
    expect(await validatePayload(Converted, { n: '5' })).toMatchObject({ n: 5 });
    expect((await validatePayload(Excluded, { hidden: 'not x' })).hidden).toBeUndefined();
  });

  it('tells decorated classes from plain ones', () => {
    expect(transformerDecorated(Plain, ['id', 'count', 'tags', 'meta'])).toBe(false);
    for (const [cls, properties] of [
      [Lowercased, ['code']],
      [Child, ['code']],
      [Renamed, ['code']],
      [Converted, ['n']],
      [Excluded, ['hidden']],
    ] as const)
      expect(transformerDecorated(cls, properties)).toBe(true);
  });
});
