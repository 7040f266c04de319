/** Health commission: births, major disease diagnoses, severe mental illness registrations. */
import { MAX_DISEASES, addPerson, inconsistent, patchPerson, withSorted } from './household.js';
import { newMember } from './persons.js';
import { majorDiseaseOf } from '../catalogue/diagnoses.js';
import type { DepartmentReducers } from './types.js';


export const health: DepartmentReducers<'health'> = {
  birth_certificate_issued(h, u) {
    const id = u.personId ?? '';
    const b = u.payload.newborn;
    if (h.persons.some((m) => m.id === id)) return inconsistent('personId', `${id} is already a member of household ${h.id}`);
    if (h.persons.some((m) => m.idNumber === b.idNumber)) return inconsistent('payload.newborn.idNumber', `already held by a member of household ${h.id}`);
    const household = addPerson(h, newMember({ id, ...b }, b.birthDate));
    return { household, events: [{ type: 'birth', personId: id }] };
  },

  major_disease_diagnosed(h, u, ctx) {
    const list = ctx.person.majorDiseases;
    const cat = u.payload.icd10.slice(0, 3);
    const disease = `${u.payload.disease} (${cat})`;
    if (list.includes(disease) || list.length >= MAX_DISEASES) return { household: h, events: [] };
    // a claim already brought this category: the diagnosis names it better, and it is no new disease
    const claimed = majorDiseaseOf(u.payload.icd10);
    if (claimed !== null && list.includes(claimed)) {
      return { household: patchPerson(h, ctx.index, { majorDiseases: withSorted(list.filter((d) => d !== claimed), disease) }), events: [] };
    }
    return {
      household: patchPerson(h, ctx.index, { majorDiseases: withSorted(list, disease) }),
      events: [{ type: 'major_disease', personId: ctx.person.id, disease: u.payload.disease }],
    };
  },

  severe_mental_illness_registered(h, u, ctx) {
    const mentalRiskLevel = u.payload.riskLevel;
    // a re-registration only updates the risk level
    if (ctx.person.severeMentalIllness) return { household: ctx.person.mentalRiskLevel === mentalRiskLevel ? h : patchPerson(h, ctx.index, { mentalRiskLevel }), events: [] };
    return {
      household: patchPerson(h, ctx.index, { severeMentalIllness: true, mentalRiskLevel }),
      events: [{ type: 'severe_mental_illness', personId: ctx.person.id }],
    };
  },
};
