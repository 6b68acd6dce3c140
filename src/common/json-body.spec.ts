import { nestsDeeperThan } from './json-body';

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
