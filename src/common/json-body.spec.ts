import { IsOptional, IsString } from 'class-validator';
import { ValidationException } from './app.exception';
import { dropEmptyBodyContentType, nestsDeeperThan, requireBody } from './json-body';
import { createValidationPipe } from './validation';

const deeper = (text: string, maxDepth: number) => nestsDeeperThan(Buffer.from(text), maxDepth);

describe('nestsDeeperThan', () => {
  it('counts objects and arrays alike, up to the limit included', () => {
    expect(deeper('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(deeper('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(deeper('[[[]],[[]]]', 3)).toBe(false);
    expect(deeper('[[[]],[[[]]]]', 3)).toBe(true);
    expect(deeper('1', 0)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(deeper('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(deeper('{"a":"\\"[[[[","b":"\\\\"}', 1)).toBe(false);
    expect(deeper('{"a":"\\\\","b":[[1]]}', 2)).toBe(true);
    expect(deeper('{"é[":"ü{{"}', 1)).toBe(false);
  });
});

describe('dropEmptyBodyContentType', () => {
  it('drops the content type of an empty body only', () => {
    const cases: [Record<string, string>, boolean][] = [
      [{ 'content-type': 'application/json' }, true],
      [{ 'content-type': 'application/xml', 'content-length': '0' }, true],
      [{ 'content-type': 'application/json', 'content-length': '2' }, false],
      [{ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, false],
    ];
    for (const [headers, dropped] of cases) {
      dropEmptyBodyContentType(headers);
      expect(headers['content-type'] === undefined).toBe(dropped);
    }
  });
});

class NeedsName {
  @IsString() name!: string;
}

class AllOptional {
  @IsOptional() @IsString() note?: string;
}

describe('requireBody', () => {
  const pipe = requireBody(createValidationPipe());
  const body = (metatype: new () => object) => ({ type: 'body' as const, metatype });

  it('refuses a missing body naming the body when its DTO needs a field', async () => {
    const refusal = await Promise.resolve(pipe.transform(undefined, body(NeedsName))).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ValidationException);
    expect((refusal as ValidationException).problems).toEqual([
      { field: 'body', problem: expect.stringContaining('is required') },
    ]);
  });

  it('takes a missing body as {} when its DTO accepts that, and leaves sent bodies to validation', async () => {
    expect(await pipe.transform(undefined, body(AllOptional))).toBeInstanceOf(AllOptional);
    const refusal = await Promise.resolve(pipe.transform({}, body(NeedsName))).catch(
      (error: unknown) => error,
    );
    expect((refusal as ValidationException).problems.map((p) => p.field)).toEqual(['name']);
    expect(await pipe.transform({ name: 'x' }, body(NeedsName))).toEqual({ name: 'x' });
  });
});
