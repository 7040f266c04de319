/**
 * Property (财产状况): dwelling, assets, savings, pensions and declared (taxed, farm) income.
 * Wages are the employment dimension's (employment updates touch only that one); assets are
 * credits, so a household with a valuable car or business gains back points lost elsewhere here.
 */
import type { Model } from '../model.js';
import type { DimensionScore, Household } from '../types.js';
import { confirmed, declaredIncome, excludedNote } from '../apply/household.js';
import { ageAt, recentAmount, refOf } from './reference.js';
import { Tally, tenths, whole, type IndicatorDef } from './tally.js';

export const PROPERTY_INDICATORS: readonly IndicatorDef[] = [
  { code: 'property.no_home', doc: 'renting privately without any residential property' },
  { code: 'property.public_rental', doc: 'living in public rental housing' },
  { code: 'property.cramped', doc: 'living area per member below crampedM2PerPerson' },
  { code: 'property.no_assets', doc: 'no own dwelling, vehicle, property, business, land or livestock' },
  { code: 'property.no_savings', doc: 'provident savings below noSavingsCny' },
  { code: 'property.elderly_no_pension', doc: 'elderly members without a pension' },
  { code: 'property.low_pension', doc: 'pensions below the dibao line' },
  { code: 'property.landless_rural', doc: 'rural household without land' },
  { code: 'property.low_farm_income', doc: 'land but farm income below lowFarmIncomeCny' },
  { code: 'property.low_declared_income', doc: 'filed taxable income per member below the dibao line' },
  { code: 'property.valuable_vehicle', doc: 'credit: a vehicle worth valuableVehicleCny or more' },
  { code: 'property.vehicle', doc: 'credit: a car or truck' },
  { code: 'property.real_estate', doc: 'credit: commercial property, a second residence, or real estate worth realEstateValueCny' },
  { code: 'property.business', doc: 'credit: a company, or business capital of businessCapitalCny or more' },
  { code: 'property.provident_savings', doc: 'credit: provident savings of providentSavingsCny or more' },
  { code: 'property.employee_pension', doc: 'credit: a member draws an employee or institution pension' },
  { code: 'property.declared_income', doc: 'credit: filed income per member at or above the comfortable line' },
  { code: 'property.land', doc: 'credit: land of landMu or more' },
  { code: 'property.livestock', doc: 'credit: livestockHeads or more' },
];

export function scoreProperty(h: Household, model: Model): DimensionScore {
  const w = model.weights.property;
  const th = model.thresholds;
  const lines = model.lines;
  const ref = refOf(model);
  const t = new Tally();
  let n = 0;
  let balance = 0;
  let noPension = 0;
  let lowPension = 0;
  let employeePensions = 0;
  for (const p of h.persons) {
    if (!p.alive || !p.registered) continue;
    n++;
    balance += p.providentFundBalance;
    const pt = p.pensionType;
    if (pt === 'urban_employee' || pt === 'institution') employeePensions++;
    if (p.pensionMonthly > 0) {
      if (p.pensionMonthly < lines.dibaoMonthly) lowPension++;
    } else if (ageAt(p.birthDate, ref) >= model.ages.elderlyFrom) noPension++;
  }
  let residential = 0;
  let commercial = 0;
  let realEstateValue = 0;
  let extra: Household['properties'][number] | null = null;
  let ownedArea = 0;
  // assets awaiting an eligibility review do not count until it confirms them
  const properties = h.properties.filter(confirmed);
  const vehicles = h.vehicles.filter(confirmed);
  const businesses = h.businesses.filter(confirmed);
  for (const pr of properties) {
    realEstateValue += pr.valueCny;
    if (pr.use === 'residential') {
      residential++;
      ownedArea += pr.areaM2;
      if (residential > 1 && extra === null) extra = pr;
    } else if (pr.use === 'commercial') {
      commercial++;
      if (extra === null || extra.use === 'residential') extra = pr;
    }
  }
  let best: Household['vehicles'][number] | null = null;
  let cars = 0;
  for (const v of vehicles) {
    if (best === null || v.valueCny > best.valueCny) best = v;
    if (v.kind === 'car' || v.kind === 'truck') cars++;
  }
  let capital = 0;
  let company: Household['businesses'][number] | null = null;
  for (const b of businesses) {
    capital += b.capitalCny;
    if (b.type === 'company' && company === null) company = b;
  }
  const ho = h.housing;
  const renting = ho.renting || ho.publicRental;
  if (ho.renting && !ho.publicRental && residential === 0) t.minus('property.no_home', w.noHome, 'rents privately and owns no residence');
  if (ho.publicRental) t.minus('property.public_rental', w.publicRental, 'lives in public rental housing');
  // an unrecorded dwelling area falls back to the registered residences' area
  const area = ho.areaM2 > 0 ? ho.areaM2 : ownedArea;
  if (n > 0 && area / n < th.crampedM2PerPerson) t.minus('property.cramped', w.cramped, `${whole(area)} m² for ${n} members`);
  if (renting && vehicles.length === 0 && properties.length === 0 && businesses.length === 0 && h.landMu === 0 && h.livestockHeads === 0) {
    t.minus('property.no_assets', w.noAssets, 'no own dwelling, vehicle, property, business, land or livestock');
  }
  if (balance < th.noSavingsCny) t.minus('property.no_savings', w.noSavings, `provident savings ${whole(balance)} CNY`);
  if (noPension > 0) t.minus('property.elderly_no_pension', w.elderlyNoPension * Math.min(2, noPension), `${noPension} elderly member(s) without a pension`);
  if (lowPension > 0) t.minus('property.low_pension', w.lowPension * Math.min(2, lowPension), `${lowPension} pension(s) below ${lines.dibaoMonthly} CNY/month`);
  const farm = recentAmount(h.finances.agriculturalIncome, ref);
  if (h.rural && h.landMu === 0) t.minus('property.landless_rural', w.landlessRural, 'rural household without land');
  if (h.landMu > 0 && farm < th.lowFarmIncomeCny) t.minus('property.low_farm_income', w.lowFarmIncome, `${tenths(h.landMu)} mu of land earned ${whole(farm)} CNY`);
  const f = h.finances;
  const filing = declaredIncome(h);
  const declared = f.taxYear >= ref.year - 2 && n > 0 ? filing.counted / 12 / n : 0;
  if (declared > 0 && declared < lines.dibaoMonthly) {
    t.minus('property.low_declared_income', w.lowDeclaredIncome, `filed ${whole(f.taxableIncomeAnnual)} CNY for ${f.taxYear}${excludedNote(filing)}`);
  }
  if (best !== null && best.valueCny >= th.valuableVehicleCny) {
    t.plus('property.valuable_vehicle', w.valuableVehicle, `owns ${best.kind} ${best.plate} worth ${whole(best.valueCny)} CNY since ${best.registeredAt}`);
  } else if (cars > 0) t.plus('property.vehicle', w.vehicle, `owns ${cars} car(s) or truck(s)`);
  if (extra !== null) {
    t.plus('property.real_estate', w.realEstate, `owns ${extra.use} property ${extra.certificate} (${whole(extra.areaM2)} m², since ${extra.acquiredAt}) beyond one home`);
  } else if (realEstateValue >= th.realEstateValueCny) t.plus('property.real_estate', w.realEstate, `owns real estate worth ${whole(realEstateValue)} CNY`);
  if (capital >= th.businessCapitalCny || company !== null) {
    t.plus('property.business', w.business, company !== null ? `runs company ${company.registration} (since ${company.registeredAt}), capital ${whole(capital)} CNY` : `business capital ${whole(capital)} CNY`);
  }
  if (employeePensions > 0) t.plus('property.employee_pension', w.employeePension, `${employeePensions} member(s) draw an employee or institution pension`);
  if (balance >= th.providentSavingsCny) t.plus('property.provident_savings', w.providentSavings, `provident savings ${whole(balance)} CNY`);
  if (declared >= lines.comfortableMonthly) t.plus('property.declared_income', w.declaredIncome, `filed ${whole(f.taxableIncomeAnnual)} CNY for ${f.taxYear}${excludedNote(filing)}`);
  if (h.landMu >= th.landMu) t.plus('property.land', w.land, `${tenths(h.landMu)} mu of land`);
  if (h.livestockHeads >= th.livestockHeads) t.plus('property.livestock', w.livestock, `${h.livestockHeads} head of livestock`);
  return t.result('property', model.dimensionMax.property);
}
