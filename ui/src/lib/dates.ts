// Days and times as people type them in Latin America and India: day first, 24-hour clock.
// DayInput reads them; the backend gets ISO (`2026-12-03`, `2026-12-03T14:30`).

const two = (n: number) => String(n).padStart(2, '0');

/** `2026-12-03` or `2026-12-03T14:30` → the day as typed (`03/12/2026`) and the time (`14:30`). */
export function showDay(iso: string): { day: string; clock: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?/.exec(iso);
  return m ? { day: `${m[3]}/${m[2]}/${m[1]}`, clock: m[4] ?? '' } : { day: '', clock: '' };
}

/**
 * A typed day as ISO: `3/12/2026`, `03-12-2026`, `03.12.2026` and `2026-12-03` all give
 * `2026-12-03`. '' for nothing typed; null for what is not a day (yet): a two-digit year is
 * refused, since 03/12/26 could be 1926 for a birth date.
 */
export function parseDay(text: string): string | null {
  const s = text.trim();
  if (!s) return '';
  let y: number, mo: number, d: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  const dmy = /^(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{4})$/.exec(s);
  if (iso) [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (dmy) [d, mo, y] = [Number(dmy[1]), Number(dmy[2]), Number(dmy[3])];
  else return null;
  // 31/02 is not a day: the calendar must give back what was typed.
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return `${y}-${two(mo)}-${two(d)}`;
}

/** `9:05`, `09.05`, `9h05`, `0905` → `09:05`; '' for nothing; null when not a time of day. */
export function parseClock(text: string): string | null {
  const s = text.trim();
  if (!s) return '';
  const m = /^(\d{1,2})\s*[:.h]?\s*(\d{2})$/.exec(s);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return null;
  return `${two(Number(m[1]))}:${m[2]}`;
}
