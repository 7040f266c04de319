/**
 * Family structure (家庭结构): who the members are (alive and registered here), their ages at the
 * reference date, and the family's shape. This dimension owns membership: when it is touched
 * every person-based dimension is recomputed (see `engine/scoring/index.ts`).
 */
import type { Model } from '../model.js';
import type { DimensionScore, Household } from '../types.js';
import { ageAt, refOf } from './reference.js';
import { Tally, type IndicatorDef } from './tally.js';

export const STRUCTURE_INDICATORS: readonly IndicatorDef[] = [
  { code: 'structure.elderly_alone', doc: 'only elderly members, one or two (孤寡)' },
  { code: 'structure.elderly_share', doc: 'elderly share of members at or above elderlyShare' },
  { code: 'structure.old_old', doc: 'a member aged oldOldFrom or more' },
  { code: 'structure.no_working_age', doc: 'no member of working age' },
  { code: 'structure.dependency_ratio', doc: 'dependants per working-age member at or above dependencyRatio' },
  { code: 'structure.single_parent', doc: 'minors raised by a head without a spouse in the household' },
  { code: 'structure.without_parental_care', doc: 'a minor without parental care' },
  { code: 'structure.recent_death', doc: 'a member died recently' },
  { code: 'structure.widowed', doc: 'widowed head or spouse' },
  { code: 'structure.single_person', doc: 'single-person household, not elderly' },
  { code: 'structure.large_household', doc: 'largeHousehold members or more' },
  { code: 'structure.many_children', doc: 'manyChildren minors or more' },
  { code: 'structure.infant', doc: 'an infant member' },
  { code: 'structure.students', doc: 'two or more members in senior, vocational or university education' },
];

export function scoreStructure(h: Household, model: Model): DimensionScore {
  const w = model.weights.structure;
  const th = model.thresholds;
  const ag = model.ages;
  const ref = refOf(model);
  const t = new Tally();
  let n = 0;
  let elderly = 0;
  let working = 0;
  let minors = 0;
  let childMinors = 0;
  let infants = 0;
  let students = 0;
  let oldest = -1;
  let oldestId = '';
  let noCareId: string | null = null;
  let deadId: string | null = null;
  let deadOn = '';
  let head: Household['persons'][number] | null = null;
  let spouse = false;
  let widowedId: string | null = null;
  for (const p of h.persons) {
    if (!p.alive) {
      if (p.deathDate !== null && p.deathDate >= ref.recentFromIso && deadId === null) {
        deadId = p.id;
        deadOn = p.deathDate;
      }
      continue;
    }
    if (!p.registered) continue;
    n++;
    const age = ageAt(p.birthDate, ref);
    if (age > oldest) {
      oldest = age;
      oldestId = p.id;
    }
    if (age >= ag.elderlyFrom) elderly++;
    if (age >= ag.workFrom && age < (p.sex === 'F' ? ag.retireFemale : ag.retireMale)) working++;
    if (age < ag.adultFrom) {
      minors++;
      if (p.relation === 'child') childMinors++;
      if (p.withoutParentalCare && noCareId === null) noCareId = p.id;
    }
    if (age < ag.infantUntil) infants++;
    const st = p.schoolStage;
    if (st === 'senior' || st === 'vocational' || st === 'university') students++;
    if (p.relation === 'head') head = p;
    else if (p.relation === 'spouse') spouse = true;
    if ((p.relation === 'head' || p.relation === 'spouse') && p.maritalStatus === 'widowed' && widowedId === null) widowedId = p.id;
  }
  const elderlyAlone = n > 0 && n <= 2 && elderly === n;
  if (elderlyAlone) t.minus('structure.elderly_alone', w.elderlyAlone, `${n === 1 ? 'one elderly member lives' : 'two elderly members live'} alone`);
  else if (n > 0 && elderly / n >= th.elderlyShare) t.minus('structure.elderly_share', w.elderlyShare, `${elderly} of ${n} members are elderly`);
  if (oldest >= ag.oldOldFrom) t.minus('structure.old_old', w.oldOld, `member ${oldestId} is ${oldest}`);
  if (n > 0 && working === 0 && !elderlyAlone) t.minus('structure.no_working_age', w.noWorkingAge, `none of ${n} members is of working age`);
  if (working > 0 && (n - working) / working >= th.dependencyRatio) {
    t.minus('structure.dependency_ratio', w.dependencyRatio, `${n - working} dependants on ${working} working-age member(s)`);
  }
  if (childMinors > 0 && head !== null && !spouse) {
    t.minus('structure.single_parent', w.singleParent, `${head.maritalStatus} head ${head.id} raises ${childMinors} minor(s) without a spouse`);
  }
  if (noCareId !== null) t.minus('structure.without_parental_care', w.withoutParentalCare, `minor ${noCareId} has no parental care`);
  if (deadId !== null) t.minus('structure.recent_death', w.recentDeath, `member ${deadId} died on ${deadOn}`);
  if (widowedId !== null && !elderlyAlone) t.minus('structure.widowed', w.widowed, `member ${widowedId} is widowed`);
  if (n === 1 && !elderlyAlone) t.minus('structure.single_person', w.singlePerson, 'single-person household');
  if (n >= th.largeHousehold) t.minus('structure.large_household', w.largeHousehold, `${n} members`);
  if (minors >= th.manyChildren) t.minus('structure.many_children', w.manyChildren, `${minors} minors`);
  if (infants > 0) t.minus('structure.infant', w.infant, `${infants} infant(s) under ${ag.infantUntil}`);
  if (students >= 2) t.minus('structure.students', w.students, `${students} members in senior, vocational or university education`);
  return t.result('structure', model.dimensionMax.structure);
}
