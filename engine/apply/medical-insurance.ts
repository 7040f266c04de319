/** Medical insurance: claims, admissions, chronic disease certificates, medical assistance, critical-illness insurance. */
import { addToYear } from './year-sum.js';
import { MAX_DISEASES, patchFinances, patchPerson, withClaimedDisease, withSorted, yearOutOfPocket } from './household.js';
import type { DepartmentReducers } from './types.js';


export const medicalInsurance: DepartmentReducers<'medical_insurance'> = {
  medical_claim(h, u, ctx) {
    const p = u.payload;
    const f = h.finances;
    let household = patchFinances(h, {
      medicalTotal: addToYear(f.medicalTotal, ctx.year, p.totalCny),
      medicalInsurancePaid: addToYear(f.medicalInsurancePaid, ctx.year, p.insurancePaidCny),
    });
    // the claim's diagnosis is evidence of disease: a major one counts, with the claim as its source
    const diagnosed = withClaimedDisease(household, ctx.index, p.diagnosisCode);
    if (diagnosed !== null) household = diagnosed.household;
    return {
      household,
      events: [
        ...(diagnosed === null || !ctx.person.alive ? [] : [{ type: 'major_disease' as const, personId: ctx.person.id, disease: `${diagnosed.disease}, on claim ${p.claimId}` }]),
        {
          type: 'medical_spend',
          personId: ctx.person.id,
          totalCny: p.totalCny,
          outOfPocketCny: p.outOfPocketCny,
          yearOutOfPocketCny: yearOutOfPocket(household.finances, ctx.year),
          inpatient: p.inpatient,
        },
      ],
    };
  },

  inpatient_admission(h, u, ctx) {
    const p = u.payload;
    const admitted = patchPerson(h, ctx.index, { admissions: ctx.person.admissions + 1, inpatientDays: ctx.person.inpatientDays + p.days });
    const diagnosed = withClaimedDisease(admitted, ctx.index, p.diagnosisCode);
    return {
      household: diagnosed?.household ?? admitted,
      events: [
        ...(diagnosed === null || !ctx.person.alive ? [] : [{ type: 'major_disease' as const, personId: ctx.person.id, disease: `${diagnosed.disease}, on admission ${p.admissionId}` }]),
        { type: 'inpatient_admission', personId: ctx.person.id, days: p.days, diagnosisCode: p.diagnosisCode },
      ],
    };
  },

  chronic_disease_certified(h, u, ctx) {
    const list = ctx.person.chronicDiseases;
    const disease = u.payload.disease;
    if (list.includes(disease) || list.length >= MAX_DISEASES) return { household: h, events: [] };
    return {
      household: patchPerson(h, ctx.index, { chronicDiseases: withSorted(list, disease) }),
      events: [{ type: 'chronic_disease', personId: ctx.person.id, disease }],
    };
  },

  medical_assistance_granted(h, u, ctx) {
    return { household: patchFinances(h, { medicalAssistance: addToYear(h.finances.medicalAssistance, ctx.year, u.payload.amountCny) }), events: [] };
  },

  critical_illness_insurance_paid(h, u, ctx) {
    return { household: patchFinances(h, { criticalIllnessPaid: addToYear(h.finances.criticalIllnessPaid, ctx.year, u.payload.amountCny) }), events: [] };
  },
};
