import { describe, expect, it } from 'vitest';
import { dateTimeFormat, numberFormat, regionNames } from './intl';

describe('formatters kept per language and style', () => {
  it('makes one formatter for each language and style, not one per row', () => {
    expect(numberFormat('es')).toBe(numberFormat('es'));
    expect(dateTimeFormat('pt', { dateStyle: 'medium' })).toBe(dateTimeFormat('pt', { dateStyle: 'medium' }));
  });

  it('still writes each language its own way after another was used', () => {
    expect(numberFormat('en').format(12345)).toBe('12,345');
    expect(numberFormat('es', { useGrouping: 'always' }).format(12345)).toBe('12.345');
    expect(numberFormat('en', { minimumFractionDigits: 1 }).format(6)).toBe('6.0');
    const day = Date.UTC(2026, 11, 3, 12);
    expect(dateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(day)).toBe('Dec 3, 2026');
    expect(dateTimeFormat('es', { dateStyle: 'medium', timeZone: 'UTC' }).format(day)).toBe('3 dic 2026');
    expect(regionNames('es').of('BR')).toBe('Brasil');
    expect(regionNames('en').of('BR')).toBe('Brazil');
  });
});
