import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { ValidationException } from './app.exception';
import { createValidationPipe } from './validation';

class OptionalQuery {
  @IsOptional()
  @IsString()
  interval?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit = 100;
}

class RequiredQuery {
  @IsString()
  symbol!: string;
}

describe('the validation pipe', () => {
  const pipe = createValidationPipe();
  const query = (metatype: new () => object) => ({
    type: 'query' as const,
    metatype,
    data: undefined,
  });

  it('answers an empty query with a fresh instance of its DTO, defaults filled, every time', async () => {
    const first = await pipe.transform({}, query(OptionalQuery));
    const second = await pipe.transform({}, query(OptionalQuery));
    for (const result of [first, second]) {
      expect(result).toBeInstanceOf(OptionalQuery);
      expect(result).toEqual(Object.assign(new OptionalQuery(), {}));
    }
    expect(first).not.toBe(second);
  });

  it('still validates queries with parameters after an empty one passed', async () => {
    await pipe.transform({}, query(OptionalQuery));
    await expect(pipe.transform({ limit: '0' }, query(OptionalQuery))).rejects.toBeInstanceOf(
      ValidationException,
    );
    await expect(pipe.transform({ other: 'x' }, query(OptionalQuery))).rejects.toBeInstanceOf(
      ValidationException,
    );
    await expect(pipe.transform({ limit: '5' }, query(OptionalQuery))).resolves.toEqual(
      Object.assign(new OptionalQuery(), { limit: 5 }),
    );
  });

  it('refuses an empty query every time when the DTO requires a parameter', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform({}, query(RequiredQuery))).rejects.toMatchObject({
        details: [expect.objectContaining({ field: 'symbol' })],
      });
    }
  });
});
