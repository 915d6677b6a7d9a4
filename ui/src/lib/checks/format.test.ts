import { describe, expect, it } from 'vitest';
import { setLanguage } from '$lib/i18n/index.svelte';
import { riskBand, scoreOutOfTen } from './format';

describe('risk bands', () => {
  it('read 0 as high risk and 1 as low risk, -1 as not computed', () => {
    expect(riskBand(-1)).toBe('pending');
    expect(riskBand(0)).toBe('high');
    expect(riskBand(0.49)).toBe('high');
    expect(riskBand(0.5)).toBe('medium');
    expect(riskBand(0.8)).toBe('low');
    expect(riskBand(1)).toBe('low');
    expect(scoreOutOfTen(0.94)).toBe('9.4');
    expect(scoreOutOfTen(-1)).toBe('—');
    setLanguage('es');
    expect(scoreOutOfTen(0.63)).toBe('6,3');
    setLanguage('en');
  });
});
