import { it } from 'vitest';
import { DEFAULT_MODEL as model } from '../model.js';
import { initialState, processUpdate, profileOf } from '../process.js';
import { makeHousehold, makePerson } from './fixtures.js';
const at = (d: string) => Date.parse(`${d}T10:00:00+08:00`);
it('smoke', () => {
  const h0 = makeHousehold({ id: 'h-yu', persons: [
      makePerson({ id: 'yu', name: '于某', maritalStatus: 'divorced', birthDate: '1975-05-10', employment: 'flexible', monthlyWage: 4500 }),
      makePerson({ id: 'yu-d', name: '于大女儿', sex: 'F', relation: 'child', birthDate: '2005-09-01', employment: 'student', monthlyWage: 0, schoolStage: 'university', maritalStatus: 'single', tuitionAnnual: 6000 }),
    ]});
  const h = { ...h0, assistance: { ...h0.assistance, category: 'proactive_discovery' as const, enrolled: false, enrolledAt: null } };
  let s = initialState(h, model);
  console.log('init', s.profile.score, s.profile.tier, JSON.stringify(s.profile.causes), s.profile.needTypes);
  const ups = [
    { id: 'u1', source: 'health', kind: 'major_disease_diagnosed', householdId: 'h-yu', personId: 'yu', occurredAt: at('2026-03-02'), payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-03-02' } },
    { id: 'u2', source: 'medical_insurance', kind: 'inpatient_admission', householdId: 'h-yu', personId: 'yu', occurredAt: at('2026-03-03'), payload: { admissionId: 'ZY1', hospitalLevel: 'tertiary', admittedAt: '2026-03-03', days: 35, diagnosisCode: 'C34.9' } },
    { id: 'u3', source: 'human_resources', kind: 'unemployment_registered', householdId: 'h-yu', personId: 'yu', occurredAt: at('2026-04-01'), payload: { registeredAt: '2026-04-01', reason: 'dismissed' } },
    { id: 'u4', source: 'medical_insurance', kind: 'medical_claim', householdId: 'h-yu', personId: 'yu', occurredAt: at('2026-04-10'), payload: { claimId: 'YB1', totalCny: 72400, insurancePaidCny: 30400, outOfPocketCny: 42000, hospitalLevel: 'tertiary', inpatient: true, diagnosisCode: 'C34.900', settledAt: '2026-04-10' } },
  ];
  for (const u of ups) {
    const r = processUpdate(s, u, model, { receivedAt: u.occurredAt + 1000 });
    if (!r.ok) { console.log('REJ', r); continue; }
    s = r.state;
    console.log(u.kind, r.touched, s.profile.score, s.profile.tier, JSON.stringify(s.profile.causes), s.profile.needTypes, JSON.stringify(r.triggers.map(t => [t.type, t.level, t.reason])));
  }
  const full = profileOf(s.household, model);
  for (const x of full.suggestions) console.log(x.kind, x.code, '|', x.reason);
  for (const d of Object.values(full.dimensions)) console.log(d.dimension, d.score, d.max, d.indicators.map(i => i.code + ':' + i.points).join(' '));
});
