import { describe, expect, it } from 'vitest';
import { parseClock, parseDay, showDay } from './dates';

describe('days typed day first', () => {
  it('reads the ways people write a day, whatever the separator', () => {
    for (const typed of ['03/12/2026', '3/12/2026', '03-12-2026', '03.12.2026', ' 3 / 12 / 2026 ', '2026-12-03']) {
      expect(parseDay(typed), typed).toBe('2026-12-03');
    }
  });

  it('reads 03/12 as the 3rd of December, never as March', () => {
    expect(parseDay('03/12/2026')).toBe('2026-12-03');
    expect(parseDay('12/03/2026')).toBe('2026-03-12');
  });

  it('refuses what is not a day, and waits on what is half typed', () => {
    for (const typed of ['31/02/2026', '00/01/2026', '13/13/2026', '03/12/26', '03/12', 'mañana', '2026-02-30']) {
      expect(parseDay(typed), typed).toBeNull();
    }
    expect(parseDay('')).toBe('');
    expect(parseDay('29/02/2028')).toBe('2028-02-29');
  });

  it('shows a stored day the way it is typed', () => {
    expect(showDay('2026-12-03')).toEqual({ day: '03/12/2026', clock: '' });
    expect(showDay('2026-12-03T09:05')).toEqual({ day: '03/12/2026', clock: '09:05' });
    expect(showDay('')).toEqual({ day: '', clock: '' });
  });

  it('reads a 24-hour time', () => {
    expect(parseClock('9:05')).toBe('09:05');
    expect(parseClock('14.30')).toBe('14:30');
    expect(parseClock('1430')).toBe('14:30');
    expect(parseClock('24:00')).toBeNull();
    expect(parseClock('9:60')).toBeNull();
    expect(parseClock('')).toBe('');
  });
});
