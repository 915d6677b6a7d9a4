import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { PreviewInput } from './preview';
import { fill, previewOf } from './preview';
import Preview from './Preview.svelte';

const base: PreviewInput = {
  category: 'MARKETING',
  language: 'es',
  template_type: 'TEXT',
  header: 'Ofertas desde el {{.day}}',
  body: 'Hola {{.name}}, usa {{.promo}}',
  footer: 'Responde STOP',
  buttons: [
    { kind: 'QUICK_REPLY', text: 'Me interesa', url: '', phone_number: '' },
    { kind: 'QUICK_REPLY', text: 'No', url: '', phone_number: '' },
    { kind: 'URL', text: 'Ver oferta', url: 'https://a.co/{{.path}}', phone_number: '' }
  ],
  code_expiration_minutes: null,
  samples: { day: 'lunes', name: 'Ana' }
};

describe('template preview', () => {
  afterEach(cleanup);

  it('puts the samples in place and marks variables without one', () => {
    render(Preview, { draft: base });
    expect(screen.getByTestId('wa-preview-header').textContent).toBe('Ofertas desde el lunes');
    expect(screen.getByTestId('wa-preview-body').textContent).toBe('Hola Ana, usa [promo]');
    expect(screen.getByTestId('wa-preview-body').querySelector('mark.missing')?.textContent).toBe('[promo]');
    expect(screen.getByTestId('wa-preview-footer').textContent).toBe('Responde STOP');
    const buttons = screen.getAllByTestId('wa-preview-button').map((b) => b.textContent?.trim());
    expect(buttons).toEqual(['↩ Me interesa', '↩ No', '↗ Ver oferta']);
  });

  it('folds more than three buttons into "see all options", as phones do', () => {
    const many = {
      ...base,
      buttons: [
        ...base.buttons,
        { kind: 'PHONE_NUMBER' as const, text: 'Llamar', url: '', phone_number: '+5760155500' }
      ]
    };
    render(Preview, { draft: many });
    const buttons = screen.getAllByTestId('wa-preview-button');
    expect(buttons).toHaveLength(3);
    expect(buttons[2]?.getAttribute('data-kind')).toBe('MORE');
  });

  it('shows the fixed authentication text, the expiry footer and the copy-code button', () => {
    const auth: PreviewInput = {
      ...base,
      category: 'AUTHENTICATION',
      language: 'en',
      header: 'ignored',
      body: 'ignored',
      buttons: [],
      code_expiration_minutes: 10,
      samples: { code: '482913' }
    };
    render(Preview, { draft: auth });
    expect(screen.getByTestId('wa-preview-body').textContent).toBe(
      '482913 is your verification code. For your security, do not share this code.'
    );
    expect(screen.getByTestId('wa-preview-footer').textContent).toBe('This code expires in 10 minutes.');
    expect(screen.queryByTestId('wa-preview-header')).toBeNull();
    expect(screen.getByTestId('wa-preview-button').textContent?.trim()).toBe('⧉ Copy code');
  });

  it('shows a placeholder for the media and no text header on media templates', () => {
    render(Preview, { draft: { ...base, template_type: 'IMAGE' } });
    expect(screen.getByTestId('wa-preview-media')).toBeTruthy();
    expect(screen.queryByTestId('wa-preview-header')).toBeNull();
  });

  it('leaves malformed placeholders as typed', () => {
    expect(fill('Hi {{name}}', {})).toEqual([{ text: 'Hi {{name}}' }]);
    expect(previewOf({ ...base, buttons: [] }, 'more').buttons).toEqual([]);
  });
});
