/** Human resources and social security: employment, unemployment, pensions, contributions, benefits, welfare posts. */
import { inconsistent, isMainEarner, patchPerson } from './household.js';
import type { DepartmentReducers } from './types.js';

export const humanResources: DepartmentReducers<'human_resources'> = {
  employment_registered(h, u, ctx) {
    const p = u.payload;
    // new work ends a welfare post and the unemployment benefit
    const household = patchPerson(h, ctx.index, {
      employment: p.employmentType,
      monthlyWage: p.monthlyWageCny,
      publicWelfarePost: false,
      unemploymentBenefitMonthly: 0,
      unemployedSince: null,
    });
    return { household, events: [] };
  },

  unemployment_registered(h, u, ctx) {
    const since = u.payload.registeredAt;
    if (ctx.person.employment === 'unemployed') {
      // already known unemployed: the latest registration holds (a value: the same whatever the arrival order)
      return { household: ctx.person.unemployedSince === since ? h : patchPerson(h, ctx.index, { unemployedSince: since }), events: [] };
    }
    const mainEarner = isMainEarner(h, ctx.person.id);
    return {
      household: patchPerson(h, ctx.index, { employment: 'unemployed', monthlyWage: 0, publicWelfarePost: false, unemployedSince: since }),
      events: [{ type: 'unemployment', personId: ctx.person.id, mainEarner }],
    };
  },

  pension_paid(h, u, ctx) {
    const p = u.payload;
    // an employee or institution pension means retirement; the resident pension is paid to working farmers too
    const retires = p.pensionType !== 'urban_rural_resident';
    return {
      household: patchPerson(h, ctx.index, {
        pensionMonthly: p.monthlyCny,
        pensionType: p.pensionType,
        ...(retires ? { employment: 'retired' as const, monthlyWage: 0, unemployedSince: null } : {}),
      }),
      events: [],
    };
  },

  social_insurance_contribution(h, u, ctx) {
    const p = u.payload;
    return { household: patchPerson(h, ctx.index, { socialInsuranceMonths: ctx.person.socialInsuranceMonths + p.months, insuranceBaseMonthly: p.baseCny }), events: [] };
  },

  unemployment_benefit_granted(h, u, ctx) {
    const status = ctx.person.employment;
    if (status === 'employed') return inconsistent('personId', `${ctx.person.id} is registered as employed`);
    return { household: patchPerson(h, ctx.index, { unemploymentBenefitMonthly: u.payload.monthlyCny }), events: [] };
  },

  public_welfare_post_assigned(h, u, ctx) {
    return {
      household: patchPerson(h, ctx.index, {
        publicWelfarePost: true,
        employment: 'employed',
        monthlyWage: u.payload.monthlyWageCny,
        unemploymentBenefitMonthly: 0,
        unemployedSince: null,
      }),
      events: [],
    };
  },
};
