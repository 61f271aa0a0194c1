import { contactRequest, localDate, newContactId, nextContactRange } from './contact-form';

// A fixed local instant (never today's date).
const NOW = new Date(2026, 2, 2, 14, 30);
const form = (over: Partial<Parameters<typeof contactRequest>[0]> = {}) => ({
  outcome: 'reached',
  note: '',
  nextContactDate: '',
  resolveAlertIds: [],
  ...over,
});

describe('the contact form', () => {
  it('turns the values into the request, the next contact day at 09:00 local', () => {
    const r = contactRequest(form({ note: '  Feeling better  ', nextContactDate: '2026-03-05', resolveAlertIds: ['a-1', 'a-1', 'a-2'] }), 'c-1', NOW);
    expect(r).toEqual({
      ok: true,
      body: {
        contactId: 'c-1',
        outcome: 'reached',
        note: 'Feeling better',
        nextContactAt: new Date(2026, 2, 5, 9).toISOString(),
        resolveAlertIds: ['a-1', 'a-2'],
      },
    });
    expect(contactRequest(form({ outcome: 'no-answer' }), 'c-2', NOW)).toEqual({ ok: true, body: { contactId: 'c-2', outcome: 'no-answer' } });
  });

  it('says what to fix', () => {
    expect(contactRequest(form({ outcome: '' }), 'c', NOW)).toEqual({ ok: false, error: 'Choose the outcome of the contact.' });
    expect(contactRequest(form({ nextContactDate: '2026-03-02' }), 'c', NOW)).toMatchObject({ ok: false, error: /tomorrow or later/ });
    expect(contactRequest(form({ nextContactDate: '2026-07-01' }), 'c', NOW)).toMatchObject({ ok: false, error: /at most 90 days/ });
    expect(contactRequest(form({ nextContactDate: 'soon' }), 'c', NOW)).toMatchObject({ ok: false, error: /not a date/ });
    expect(contactRequest(form({ note: 'x'.repeat(2001) }), 'c', NOW)).toMatchObject({ ok: false, error: /at most 2000/ });
  });

  it('offers tomorrow to 89 days ahead', () => {
    expect(nextContactRange(NOW)).toEqual({ min: '2026-03-03', max: localDate(new Date(2026, 2, 2 + 89)) });
    expect(contactRequest(form({ nextContactDate: nextContactRange(NOW).max }), 'c', NOW).ok).toBe(true);
  });

  it('makes v4 UUIDs without randomUUID too', () => {
    const id = newContactId({ getRandomValues: <T extends ArrayBufferView | null>(a: T) => (a instanceof Uint8Array && a.fill(0xff), a) });
    expect(id).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(newContactId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
