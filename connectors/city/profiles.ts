/**
 * City profiles: how many households of each category, what they look like (family
 * composition, health, work, income, housing, property). `hangzhou` follows seed 002's figures
 * (83,000 registered + 140,000 unregistered households, ≈ 400,000 persons); `yuanzhou` is the
 * 4,803 surveyed rural households of seed 003, tuned so the engine's nine cause scores
 * reproduce the survey's distribution; `small` is a 2,000-household Hangzhou for tests.
 */
import type { HouseholdCategory, HousingSafety } from '../../engine/types.js';
import type { CauseTargets } from './calibration/quota.js';

export const PROFILE_NAMES = ['hangzhou', 'yuanzhou', 'small'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export const COMPOSITIONS = [
  'elderly_alone',
  'adult_alone',
  'elderly_couple',
  'couple',
  'single_parent',
  'nuclear',
  'three_generation',
  'grandparent_grandchild', // children without parental care (事实无人抚养)
  'adult_with_parent',
] as const;
export type Composition = (typeof COMPOSITIONS)[number];

/** Rates by age band: < 18, 18–44, 45–59, 60–74, 75+. */
export type AgeBandRates = readonly [number, number, number, number, number];

export interface CityProfile {
  name: ProfileName;
  /** Household ids are `<idPrefix>-<7 digits>`, persons `<household id>-<2 digits>`. */
  idPrefix: string;
  layout: 'hangzhou' | 'yuanzhou';
  /** The date the city describes (ages, year-to-date sums); matches the model's referenceDate. */
  referenceDate: string;
  /** Exact household count per category. */
  categories: Partial<Record<HouseholdCategory, number>>;
  /** Composition weights for registered and unregistered households; per-category overrides. */
  composition: {
    registered: Record<Composition, number>;
    unregistered: Record<Composition, number>;
    byCategory?: Partial<Record<HouseholdCategory, Partial<Record<Composition, number>>>>;
    /** Spread of elderly heads' ages above 60 (years, half-normal sigma). */
    elderlyAgeSpread: number;
    /** Weights of 1, 2, 3 children in a nuclear family. */
    children: readonly [number, number, number];
    /** Oldest age of a child still living with the parents (years). */
    childMaxAge: number;
    /** Share of single parents and grandparents raising one child (the rest raise two). */
    singleParentOneChild: number;
    /** Share of adults living with a parent who are married (the spouse lives with them). */
    adultWithParentSpouse: number;
    /** Age range of the head of a childless working-age couple (years). */
    coupleAge: readonly [number, number];
    /** Age range of the middle generation's head in a three-generation household (years). */
    threeGenerationAge: readonly [number, number];
  };
  /** Overrides the district's rural share when set. */
  ruralShare?: number;
  /** A survey's cause-score distribution the city is calibrated to (calibration/quota.ts). */
  causeTargets?: CauseTargets;
  health: {
    chronic: AgeBandRates;
    major: AgeBandRates;
    disability: AgeBandRates;
    /** Weights of grades 1 (most severe) … 4. */
    disabilityGrades: readonly [number, number, number, number];
    severeMental: number;
    /** Multiplier of all illness and disability rates for registered households. */
    registeredFactor: number;
    /** Share of expenditure-type dibao households with a member's major disease. */
    expenditureDibaoMajor: number;
    /** Share of persons 75+ needing partial or full care regardless of illness. */
    frailty: number;
    /** Share of disabled persons drawing a disability allowance: grades 1–2, grades 3–4 (registered households; others get half). */
    allowance: { severe: number; mild: number };
    /** Days per hospital admission of a seriously ill person (min, max). */
    majorStayDays: readonly [number, number];
    /** Share of persons without a chronic or major disease admitted to hospital this year. */
    admission: number;
    /** A seriously ill person's record carries the major disease only (no separate chronic list). */
    majorSubsumesChronic: boolean;
  };
  work: {
    /** Working-age (18–59) able persons: weights of employed, flexible, self_employed, farmer (rural), unemployed. */
    registered: readonly [number, number, number, number, number];
    unregistered: readonly [number, number, number, number, number];
    /** Holds a vocational skill certificate (working age). */
    skilled: { registered: number; unregistered: number };
    /** Median monthly wage of an employed person, CNY. */
    wageMedian: number;
    /** Share of 60+ with an employee pension (the rest have the resident basic pension). */
    employeePension: { registered: number; unregistered: number };
    employeePensionMedian: number;
    residentPension: number;
    /** Rural elderly still farming (60–74). */
    elderlyFarming: number;
    /** Capping a registered household's income may turn low-paid employees into flexible workers. */
    capChangesStatus: boolean;
    /** Chance that a household of two or more working-age adults has one with a skill certificate. */
    ensureQualified: number;
  };
  education: {
    /** Fixes the schooling of adults under 60: weights of none, primary, junior, senior, vocational, college. */
    adultLevels?: readonly [number, number, number, number, number, number];
    /** Pushes adults' schooling down (0 = none, 0.3 = much lower), registered and unregistered. */
    levelShift: { registered: number; unregistered: number };
    dropout: { registered: number; unregistered: number };
    university: number;
    tuitionScale: number;
  };
  money: {
    /** Minimum living standard, CNY per person per month. */
    dibaoStandard: number;
    /** Medical price level (1 = Hangzhou). */
    medicalScale: number;
  };
  housing: {
    urban: readonly [number, number, number, number];
    rural: readonly [number, number, number, number];
    /** Share of urban households renting (registered, unregistered). */
    renting: { registered: number; unregistered: number };
    publicRental: number;
    uninhabitable: number;
    /** Living area at least this per member (m²). */
    minM2PerPerson: number;
  };
  property: {
    /** Households owning a car, by category (default for unlisted categories: `carOther`). */
    car: Partial<Record<HouseholdCategory, number>>;
    carOther: number;
    /** Urban home ownership (registered, unregistered); rural households own their homestead. */
    ownsHome: { registered: number; unregistered: number; rural: number };
    secondProperty: { registered: number; unregistered: number };
    business: { registered: number; unregistered: number };
    /** Median land of a rural household (mu) and share keeping livestock. */
    landMuMedian: number;
    livestockShare: number;
  };
  incidents: { disaster: number; accident: number; fire: number };
  /** Grid workers' observed concern 0…3: weights for registered and unregistered households. */
  concern: { registered: readonly [number, number, number, number]; unregistered: readonly [number, number, number, number] };
  /** Plate prefix and the certificate's city name. */
  plate: string;
  cityName: string;
  province: string;
}

const HANGZHOU_CATEGORIES: Partial<Record<HouseholdCategory, number>> = {
  dibao: 52_000,
  marginal: 22_000,
  extreme_poverty: 4_000,
  expenditure_dibao: 5_000,
  exited_assistance: 30_000,
  rejected_application: 18_000,
  temporary_assistance: 35_000,
  proactive_discovery: 22_000,
  other_department: 35_000,
};

const HANGZHOU: CityProfile = {
  name: 'hangzhou',
  idPrefix: 'hz',
  layout: 'hangzhou',
  referenceDate: '2026-11-01',
  categories: HANGZHOU_CATEGORIES,
  composition: {
    registered: { elderly_alone: 0.32, adult_alone: 0.2, elderly_couple: 0.15, couple: 0.04, single_parent: 0.09, nuclear: 0.06, three_generation: 0.03, grandparent_grandchild: 0.03, adult_with_parent: 0.08 },
    unregistered: { elderly_alone: 0.28, adult_alone: 0.16, elderly_couple: 0.18, couple: 0.07, single_parent: 0.07, nuclear: 0.1, three_generation: 0.05, grandparent_grandchild: 0.02, adult_with_parent: 0.07 },
    byCategory: {
      extreme_poverty: { elderly_alone: 0.62, adult_alone: 0.3, grandparent_grandchild: 0.08 },
      expenditure_dibao: { elderly_alone: 0.15, adult_alone: 0.15, elderly_couple: 0.2, couple: 0.1, single_parent: 0.1, nuclear: 0.15, three_generation: 0.08, adult_with_parent: 0.07 },
    },
    elderlyAgeSpread: 14,
    children: [0.45, 0.4, 0.15],
    childMaxAge: 24,
    singleParentOneChild: 0.7,
    adultWithParentSpouse: 0,
    coupleAge: [25, 59],
    threeGenerationAge: [30, 56],
  },
  health: {
    chronic: [0.03, 0.12, 0.3, 0.52, 0.66],
    major: [0.008, 0.02, 0.05, 0.08, 0.1],
    disability: [0.02, 0.05, 0.08, 0.11, 0.16],
    disabilityGrades: [0.12, 0.24, 0.3, 0.34],
    severeMental: 0.008,
    registeredFactor: 1.9,
    expenditureDibaoMajor: 0.92,
    frailty: 0.18,
    allowance: { severe: 0.95, mild: 0.8 },
    majorSubsumesChronic: false,
    admission: 0.03,
    majorStayDays: [5, 20],
  },
  work: {
    registered: [0.22, 0.3, 0.04, 0.06, 0.38],
    unregistered: [0.45, 0.25, 0.07, 0.05, 0.18],
    skilled: { registered: 0.12, unregistered: 0.3 },
    wageMedian: 4200,
    employeePension: { registered: 0.22, unregistered: 0.5 },
    employeePensionMedian: 3100,
    residentPension: 355,
    elderlyFarming: 0.35,
    capChangesStatus: true,
    ensureQualified: 0,
  },
  education: { levelShift: { registered: 0.12, unregistered: 0 }, dropout: { registered: 0.03, unregistered: 0.01 }, university: 0.45, tuitionScale: 1 },
  money: { dibaoStandard: 1206, medicalScale: 1 },
  housing: {
    urban: [0.9, 0.07, 0.025, 0.005],
    rural: [0.78, 0.14, 0.06, 0.02],
    renting: { registered: 0.22, unregistered: 0.25 },
    publicRental: 0.15,
    uninhabitable: 0.002,
    minM2PerPerson: 0,
  },
  property: {
    car: { dibao: 0.01, marginal: 0.03, extreme_poverty: 0.002, expenditure_dibao: 0.02 },
    carOther: 0.12,
    ownsHome: { registered: 0.38, unregistered: 0.56, rural: 0.88 },
    secondProperty: { registered: 0.002, unregistered: 0.03 },
    business: { registered: 0.005, unregistered: 0.04 },
    landMuMedian: 1.2,
    livestockShare: 0.04,
  },
  incidents: { disaster: 0.004, accident: 0.004, fire: 0.001 },
  concern: { registered: [0.7, 0.2, 0.08, 0.02], unregistered: [0.75, 0.17, 0.06, 0.02] },
  plate: '浙A',
  cityName: '杭州市',
  province: '浙',
};

const SMALL: CityProfile = {
  ...HANGZHOU,
  name: 'small',
  idPrefix: 'sm',
  categories: {
    dibao: 467,
    marginal: 197,
    extreme_poverty: 36,
    expenditure_dibao: 45,
    exited_assistance: 269,
    rejected_application: 161,
    temporary_assistance: 314,
    proactive_discovery: 197,
    other_department: 314,
  },
};

const YUANZHOU: CityProfile = {
  name: 'yuanzhou',
  idPrefix: 'yz',
  layout: 'yuanzhou',
  referenceDate: '2026-11-01',
  // surveyed: dibao households in the register plus new applicants (found by the door-to-door survey)
  categories: { dibao: 3_930, extreme_poverty: 230, expenditure_dibao: 60, proactive_discovery: 583 },
  ruralShare: 0.85,
  // the survey's 4,803 households per score 0, 0.5, … 5 (calibration/yuanzhou_cause_scores.csv)
  causeTargets: {
    candidates: 2,
    counts: {
      education: [3575, 114, 269, 648, 171, 16, 9, 0, 1, 0, 0],
      housing: [2768, 817, 72, 1121, 14, 4, 0, 2, 0, 2, 3],
      illness: [671, 242, 2137, 1266, 295, 113, 55, 15, 7, 0, 2],
      disability: [3691, 19, 188, 614, 151, 84, 43, 12, 0, 1, 0],
      disaster: [4502, 3, 257, 29, 8, 3, 1, 0, 0, 0, 0],
      employment: [4334, 295, 103, 23, 15, 18, 13, 2, 0, 0, 0],
      skills: [2163, 1077, 1254, 49, 251, 5, 4, 0, 0, 0, 0],
      labour: [2675, 182, 548, 434, 500, 276, 141, 37, 6, 4, 0],
      other: [517, 21, 661, 1619, 1735, 180, 63, 4, 2, 1, 0],
    },
  },
  composition: {
    registered: { elderly_alone: 0.05, adult_alone: 0.14, elderly_couple: 0.12, couple: 0.3, single_parent: 0.06, nuclear: 0.07, three_generation: 0.16, grandparent_grandchild: 0.02, adult_with_parent: 0.08 },
    unregistered: { elderly_alone: 0, adult_alone: 0.2, elderly_couple: 0, couple: 0.4, single_parent: 0, nuclear: 0.4, three_generation: 0, grandparent_grandchild: 0, adult_with_parent: 0 },
    byCategory: { extreme_poverty: { elderly_alone: 0.5, adult_alone: 0.4, grandparent_grandchild: 0.1 } },
    elderlyAgeSpread: 3,
    children: [0, 0.2, 0.8],
    childMaxAge: 21,
    singleParentOneChild: 0.25,
    adultWithParentSpouse: 0.7,
    coupleAge: [40, 66],
    threeGenerationAge: [38, 56],
  },
  health: {
    chronic: [0.05, 0.52, 0.68, 0.8, 0.85],
    major: [0.006, 0.012, 0.025, 0.045, 0.04],
    disability: [0.025, 0.09, 0.14, 0.17, 0.2],
    disabilityGrades: [0.02, 0.12, 0.7, 0.16],
    severeMental: 0.004,
    registeredFactor: 1,
    expenditureDibaoMajor: 0.9,
    frailty: 0.1,
    allowance: { severe: 0.8, mild: 0.2 },
    majorSubsumesChronic: true,
    admission: 0.08,
    majorStayDays: [3, 8],
  },
  work: {
    registered: [0.14, 0.02, 0.03, 0.79, 0.02],
    unregistered: [0.2, 0.02, 0.05, 0.71, 0.02],
    skilled: { registered: 0.15, unregistered: 0.2 },
    wageMedian: 2600,
    employeePension: { registered: 0.05, unregistered: 0.08 },
    employeePensionMedian: 2600,
    residentPension: 190,
    elderlyFarming: 0.8,
    capChangesStatus: false,
    ensureQualified: 0.85,
  },
  education: {
    adultLevels: [0.01, 0.07, 0.65, 0.16, 0.07, 0.04],
    levelShift: { registered: 0.3, unregistered: 0.3 },
    dropout: { registered: 0.004, unregistered: 0.004 },
    university: 0.6,
    tuitionScale: 0.7,
  },
  money: { dibaoStandard: 520, medicalScale: 0.35 },
  housing: {
    urban: [0.6, 0.17, 0.23, 0.001],
    rural: [0.58, 0.17, 0.25, 0.001],
    renting: { registered: 0.02, unregistered: 0.02 },
    publicRental: 0.01,
    uninhabitable: 0.0005,
    minM2PerPerson: 16,
  },
  property: {
    car: { dibao: 0.02, marginal: 0.04, extreme_poverty: 0.002, expenditure_dibao: 0.02 },
    carOther: 0.06,
    ownsHome: { registered: 0.5, unregistered: 0.6, rural: 0.92 },
    secondProperty: { registered: 0.001, unregistered: 0.01 },
    business: { registered: 0.005, unregistered: 0.02 },
    landMuMedian: 8,
    livestockShare: 0.35,
  },
  incidents: { disaster: 0.05, accident: 0.004, fire: 0.002 },
  concern: { registered: [0.35, 0.58, 0.05, 0.02], unregistered: [1, 0, 0, 0] },
  plate: '宁D',
  cityName: '固原市',
  province: '宁',
};

export const PROFILES: Readonly<Record<ProfileName, CityProfile>> = Object.freeze({ hangzhou: HANGZHOU, yuanzhou: YUANZHOU, small: SMALL });

export function profileByName(name: ProfileName): CityProfile {
  return PROFILES[name];
}

export function householdTotal(p: CityProfile): number {
  return Object.values(p.categories).reduce((a, b) => a + (b ?? 0), 0);
}

export type { HousingSafety };
