import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ConsentBox from './ConsentBox.svelte';

afterEach(cleanup);

describe('ConsentBox', () => {
  it('ties its message to the box and tells the page once it is ticked', async () => {
    const onticked = vi.fn();
    render(ConsentBox, { id: 'consent', label: 'The person agreed', error: 'Confirm the consent.', onticked });
    const box = screen.getByLabelText('The person agreed');
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect(box.getAttribute('aria-describedby')).toBe('consent-error');
    expect(screen.getByRole('alert').textContent).toBe('Confirm the consent.');
    await fireEvent.click(box);
    expect(onticked).toHaveBeenCalledTimes(1);
    // Unticking is not an answer.
    await fireEvent.click(box);
    expect(onticked).toHaveBeenCalledTimes(1);
  });

  it('is not marked invalid without a message', () => {
    render(ConsentBox, { id: 'opt', label: 'Opted in' });
    const box = screen.getByLabelText('Opted in');
    expect(box.getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
