import { observationsOf } from './index';

describe('observationsOf', () => {
  it('flattens vitals, symptoms, questionnaires, adherence and mood; never notes', () => {
    const obs = observationsOf({
      checkInId: 'x',
      recordedAt: '2026-03-10T08:00:00Z',
      vitals: { weightKg: 81.2, spo2: 94, onSupplementalOxygen: false },
      symptoms: { chestPain: true, swelling: 2 },
      questionnaires: [{ instrument: 'PHQ-9', answers: [1, 1, 1, 0, 0, 0, 0, 0, 1] }],
      medication: { adherence: 'some' },
      mood: 2,
      notes: 'private',
    });
    expect(obs).toEqual([
      { metric: 'weightKg', value: 81.2 },
      { metric: 'spo2', value: 94 },
      { metric: 'symptom.swelling', value: 2 },
      { metric: 'symptom.chestPain', value: 1 },
      { metric: 'questionnaire.PHQ-9', value: 4 },
      { metric: 'medication.adherence', value: 0.5 },
      { metric: 'mood', value: 2 },
    ]);
  });
});
