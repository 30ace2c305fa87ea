import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  validateSync,
  registerDecorator,
} from 'class-validator';
import { compileCheck } from './compiled-validation';
import { PayloadValidationError } from './messaging.errors';
import { validatePayload } from './payload-validation';

const IsEven = () =>
  ValidateBy({
    name: 'isEven',
    validator: { validate: (value: unknown) => typeof value === 'number' && value % 2 === 0 },
  });

class Sample {
  @IsString()
  @MinLength(2)
  id!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  count?: number;

  @IsOptional()
  @ArrayMaxSize(3)
  @Matches(/^[a-z]+$/, { each: true })
  tags?: string[];

  // Required only when `count` is absent.
  @ValidateIf((o: Sample) => o.count === undefined)
  @IsEven()
  even?: number;

  @IsOptional()
  @IsIn(['a', 'b'])
  kind?: string;

  // Digits, unless `id` is "skip" (a constraint's own validateIf).
  @IsOptional()
  @Matches(/^\d+$/, { validateIf: (o: Sample) => o.id !== 'skip' })
  code?: string;
}

class Inner {
  @IsString()
  name!: string;
}

class WithNested {
  @ValidateNested()
  inner!: Inner;
}

class WithGroups {
  @IsString({ groups: ['admin'] })
  name!: string;
}

class WithoutRules {
  name?: string;
}

class WithAsync {
  name?: string;
}
registerDecorator({
  name: 'slowCheck',
  target: WithAsync,
  propertyName: 'name',
  async: true,
  validator: { validate: () => Promise.resolve(true) },
});

/** A small deterministic generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'ab',
  'skip',
  'a',
  'b',
  'ABC',
  0,
  1,
  2,
  7,
  10,
  11,
  1.5,
  -2,
  true,
  [],
  ['a'],
  ['a', 'b', 'c', 'd'],
  ['ok', 'NO'],
  ['ok', 5],
  {},
  { a: 1 },
];

function classValidatorAccepts(cls: new () => object, plain: object): boolean {
  return (
    validateSync(plainToInstance(cls, plain), { whitelist: true, forbidUnknownValues: true })
      .length === 0
  );
}

describe('compileCheck', () => {
  it('agrees with class-validator on every generated object', () => {
    const compiled = compileCheck(Sample)!;
    const next = random(42);
    const any = () => VALUES[Math.floor(next() * VALUES.length)];
    // Mostly plausible values per field, so that accepted objects are common too.
    const plausible: Record<string, unknown[]> = {
      id: ['ab', 'skip', 'abc'],
      count: [1, 5, 10],
      tags: [[], ['a'], ['ok', 'fine']],
      even: [0, 2, 8],
      kind: ['a', 'b'],
      code: ['12', 'abc'],
      extra: ['anything'],
    };
    let accepted = 0;
    for (let i = 0; i < 5_000; i++) {
      const plain: Record<string, unknown> = {};
      for (const [key, values] of Object.entries(plausible)) {
        const roll = next();
        if (roll < 0.15) continue;
        plain[key] = roll < 0.75 ? values[Math.floor(next() * values.length)] : any();
      }
      const instance = plainToInstance(Sample, plain) as unknown as Record<string, unknown>;
      for (const key of Object.keys(instance))
        if (!compiled.whitelist.has(key)) delete instance[key];
      const expected = classValidatorAccepts(Sample, plain);
      if (compiled.check(instance) !== expected)
        throw new Error(`disagrees on ${JSON.stringify(plain)}: class-validator says ${expected}`);
      if (expected) accepted++;
    }
    // Both verdicts occur often enough for the comparison to mean something.
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(4_950);
  });

  it('lists the properties the whitelist keeps', () => {
    expect([...compileCheck(Sample)!.whitelist].sort()).toEqual([
      'code',
      'count',
      'even',
      'id',
      'kind',
      'tags',
    ]);
  });

  it('declines what it cannot mirror exactly', () => {
    expect(compileCheck(WithNested)).toBeUndefined();
    expect(compileCheck(WithGroups)).toBeUndefined();
    expect(compileCheck(WithoutRules)).toBeUndefined();
    expect(compileCheck(WithAsync)).toBeUndefined();
  });
});

describe('validatePayload with compiled constraints', () => {
  it('answers an instance without unknown fields', async () => {
    const value = await validatePayload(Sample, { id: 'ab', count: 3, extra: 'dropped' });
    expect(value).toBeInstanceOf(Sample);
    expect(value).toEqual(Object.assign(new Sample(), { id: 'ab', count: 3 }));
    expect(Object.keys(value)).not.toContain('extra');
  });

  it("rejects with class-validator's own messages", async () => {
    const error = await validatePayload(Sample, { id: 'a', count: 3, tags: ['ok', 'NO'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).details).toEqual([
      'id must be longer than or equal to 2 characters',
      'tags: each value in tags must match /^[a-z]+$/ regular expression',
    ]);
  });

  it('still validates classes it cannot compile', async () => {
    await expect(validatePayload(WithNested, { inner: { name: 5 } })).rejects.toBeInstanceOf(
      PayloadValidationError,
    );
  });
});
