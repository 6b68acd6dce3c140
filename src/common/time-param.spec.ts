import { ValidationException } from './app.exception';
import { MAX_TIME_MS, parseTime } from './time-param';

describe('parseTime', () => {
  it('reads dates, zoned date-times and epoch milliseconds', () => {
    expect(parseTime('2021-01-01', 'from')).toBe(Date.UTC(2021, 0, 1));
    expect(parseTime('2021-01-01T10:00:00Z', 'from')).toBe(Date.UTC(2021, 0, 1, 10));
    expect(parseTime('2021-01-01T12:00:00+02:00', 'from')).toBe(Date.UTC(2021, 0, 1, 10));
    expect(parseTime('1609459200000', 'from')).toBe(Date.UTC(2021, 0, 1));
  });

  it('reads a date-time without a zone as UTC, whatever the time zone of the server', () => {
    const zone = process.env.TZ;
    try {
      for (const tz of ['America/New_York', 'Asia/Tokyo', 'UTC']) {
        process.env.TZ = tz;
        expect(parseTime('2021-01-01T10:00:00', 'from')).toBe(Date.UTC(2021, 0, 1, 10));
        expect(parseTime('2021-01-01 10:00', 'from')).toBe(Date.UTC(2021, 0, 1, 10));
        expect(parseTime('2021-01-01T10:00:00.250', 'from')).toBe(
          Date.UTC(2021, 0, 1, 10, 0, 0, 250),
        );
      }
    } finally {
      if (zone === undefined) {
        delete process.env.TZ;
      } else {
        process.env.TZ = zone;
      }
    }
  });

  it('refuses anything else with a 400 naming the field', () => {
    for (const bad of [
      'yesterday',
      '2021-13-01',
      '-1',
      String(MAX_TIME_MS + 1),
      '2021-01-01T25:00',
    ]) {
      expect(() => parseTime(bad, 'to')).toThrow(ValidationException);
    }
  });
});
