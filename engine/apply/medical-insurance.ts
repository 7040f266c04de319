/** Medical insurance: claims, admissions, chronic disease certificates, medical assistance, critical-illness insurance. */
import { addToYear } from './year-sum.js';
import { MAX_DISEASES, patchFinances, patchPerson, yearOutOfPocket } from './household.js';
import type { DepartmentReducers } from './types.js';


export const medicalInsurance: DepartmentReducers<'medical_insurance'> = {
  medical_claim(h, u, ctx) {
    const p = u.payload;
    const f = h.finances;
    const household = patchFinances(h, {
      medicalTotal: addToYear(f.medicalTotal, ctx.year, p.totalCny),
      medicalInsurancePaid: addToYear(f.medicalInsurancePaid, ctx.year, p.insurancePaidCny),
    });
    return {
      household,
      events: [
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
    const household = patchPerson(h, ctx.index, { admissions: ctx.person.admissions + 1, inpatientDays: ctx.person.inpatientDays + p.days });
    return { household, events: [{ type: 'inpatient_admission', personId: ctx.person.id, days: p.days, diagnosisCode: p.diagnosisCode }] };
  },

  chronic_disease_certified(h, u, ctx) {
    const list = ctx.person.chronicDiseases;
    const disease = u.payload.disease;
    if (list.includes(disease) || list.length >= MAX_DISEASES) return { household: h, events: [] };
    return {
      household: patchPerson(h, ctx.index, { chronicDiseases: [...list, disease] }),
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
