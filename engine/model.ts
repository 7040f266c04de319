/**
 * The scoring and alerting model: weights, bands, thresholds and deadlines, validated with zod
 * and versioned. `config/` embeds this schema; the engine only ever receives a parsed Model.
 *
 * Indicator points are what an indicator takes off its dimension (or adds, for credits); the
 * scorers in `engine/dimensions/` name the indicator codes. Cause weights are half-points on the
 * Yuanzhou 0–5 scale (`engine/causes.ts`). Every section fills its own defaults (`prefault`).
 */
import { z } from 'zod';
import { DIMENSIONS } from './catalogue/departments.js';

const dimensionMax = z
  .object(Object.fromEntries(DIMENSIONS.map((d) => [d, z.number().positive()])) as Record<(typeof DIMENSIONS)[number], z.ZodNumber>)
  .strict()
  .refine((m) => Math.abs(Object.values(m).reduce((a, b) => a + b, 0) - 100) < 1e-9, {
    message: 'dimension maxima must add up to 100',
  });

/** Points of one indicator (0–20). */
const pts = (d: number) => z.number().min(0).max(20).default(d);
/** An amount in CNY (≥ 0). */
const cny = (d: number) => z.number().min(0).max(1e9).default(d);
/** A share 0–1. */
const share = (d: number) => z.number().min(0).max(1).default(d);
/** A whole count (≥ 0). */
const count = (d: number) => z.number().int().min(0).max(1000).default(d);
/** An age in whole years. */
const years = (d: number) => z.number().int().min(0).max(120).default(d);
/** A cause weight on the 0–5 scale, in half-point steps. */
const half = (d: number) => z.number().min(0).max(5).multipleOf(0.5).default(d);

/** Thresholds `keys` must be strictly ascending; the issue names the first key out of order. */
function ascending<T extends Record<string, number>>(keys: readonly (keyof T & string)[]) {
  return (t: T, ctx: { addIssue: (i: { code: 'custom'; message: string; path: string[]; input: unknown }) => void }) => {
    for (let i = 1; i < keys.length; i++) {
      const a = keys[i - 1]!;
      const b = keys[i]!;
      if (!(t[b]! > t[a]!)) ctx.addIssue({ code: 'custom', message: `${b} must be above ${a}`, path: [b], input: t[b] });
    }
  };
}

const Lines = z
  .object({
    /** Dibao (minimum living allowance) line, CNY per person per month (default 1240, Hangzhou). */
    dibaoMonthly: cny(1240),
    /** Marginal (低边) line, CNY per person per month (default 1860 = 1.5 × dibao). */
    marginalMonthly: cny(1860),
    /** Below this earned income per person per month a household is still low-income (CNY, default 3000). */
    lowMonthly: cny(3000),
    /** From this income per person per month a household is comfortable (CNY, default 6000). */
    comfortableMonthly: cny(6000),
    /** Local minimum monthly wage; a full-time wage below it is a low wage (CNY, default 2490). */
    minimumWageMonthly: cny(2490),
  })
  .strict()
  .superRefine(ascending(['dibaoMonthly', 'marginalMonthly', 'lowMonthly', 'comfortableMonthly']))
  .prefault({});

const Ages = z
  .object({
    /** Working age starts at (years, default 16). */
    workFrom: years(16),
    /** Men's retirement age: working age ends before it (years, default 60). */
    retireMale: years(60),
    /** Women's retirement age (years, default 55). */
    retireFemale: years(55),
    /** Elderly from (years, default 60). */
    elderlyFrom: years(60),
    /** Very old (frail) from (years, default 80). */
    oldOldFrom: years(80),
    /** School age from (years, default 6). */
    schoolFrom: years(6),
    /** Compulsory school age ends before (years, default 16). */
    compulsoryUntil: years(16),
    /** Adults from (years, default 18). */
    adultFrom: years(18),
    /** Infants are younger than (years, default 3). */
    infantUntil: years(3),
    /** Rural members still count as labour up to this age (Yuanzhou labour cause; years, default 64). */
    labourMax: years(64),
  })
  .strict()
  .superRefine(ascending(['infantUntil', 'schoolFrom', 'workFrom', 'adultFrom', 'retireFemale']))
  .superRefine((a, ctx) => {
    if (a.retireMale < a.retireFemale) ctx.addIssue({ code: 'custom', message: 'retireMale must not be below retireFemale', path: ['retireMale'], input: a.retireMale });
    if (a.oldOldFrom <= a.elderlyFrom) ctx.addIssue({ code: 'custom', message: 'oldOldFrom must be above elderlyFrom', path: ['oldOldFrom'], input: a.oldOldFrom });
    if (a.compulsoryUntil <= a.schoolFrom) ctx.addIssue({ code: 'custom', message: 'compulsoryUntil must be above schoolFrom', path: ['compulsoryUntil'], input: a.compulsoryUntil });
  })
  .prefault({});

const Thresholds = z
  .object({
    /** Incidents, deaths, exits and rejections within this many days before the reference date are recent (days, default 365). */
    recentDays: z.number().int().min(1).max(3650).default(365),
    /** Enrolled this many years or more is long-term dependency (years, default 5). */
    longTermYears: years(5),
    /** Medical out-of-pocket this year from which the low tier applies (CNY, default 5000). */
    medicalOopLowCny: cny(5000),
    /** Medical out-of-pocket, middle tier (CNY, default 20000). */
    medicalOopMidCny: cny(20_000),
    /** Medical out-of-pocket, high tier (CNY, default 50000). */
    medicalOopHighCny: cny(50_000),
    /** Total medical bills this year counted as very high even when covered (CNY, default 100000). */
    medicalTotalHighCny: cny(100_000),
    /** Share of the bill left to pay above which coverage is poor (0–1, default 0.5). */
    medicalUncoveredShare: share(0.5),
    /** Net tuition this year, low tier (CNY, default 3000). */
    tuitionLowCny: cny(3000),
    /** Net tuition this year, middle tier (CNY, default 8000). */
    tuitionMidCny: cny(8000),
    /** Net tuition this year, high tier (CNY, default 20000). */
    tuitionHighCny: cny(20_000),
    /** A student's yearly tuition without a grant counts from (CNY, default 5000). */
    studentFeeCny: cny(5000),
    /** Net monthly rent, middle tier (CNY, default 1000). */
    rentMidCny: cny(1000),
    /** Net monthly rent, high tier (CNY, default 2000). */
    rentHighCny: cny(2000),
    /** Rigid spending (medical + tuition + rent) per person per year that is a heavy burden (CNY, default 12000). */
    rigidPerCapitaCny: cny(12_000),
    /** Regular assistance per month that offsets rigid spending (CNY, default 500). */
    assistanceOffsetCny: cny(500),
    /** Disaster loss this year, low tier (CNY, default 10000). */
    disasterLossLowCny: cny(10_000),
    /** Disaster loss this year, high tier (CNY, default 50000). */
    disasterLossHighCny: cny(50_000),
    /** Summed loss of recent incidents that is grave (CNY, default 20000). */
    incidentLossCny: cny(20_000),
    /** Living area per person below which a dwelling is cramped (m², default 15). */
    crampedM2PerPerson: z.number().min(0).max(1000).default(15),
    /** A vehicle worth this much is a valuable asset (CNY, default 100000). */
    valuableVehicleCny: cny(100_000),
    /** Real estate worth this much in all is a substantial asset even as one home (CNY, default 5000000). */
    realEstateValueCny: cny(5_000_000),
    /** Business capital that is a substantial asset (CNY, default 100000). */
    businessCapitalCny: cny(100_000),
    /** Provident-fund savings that are a real buffer (CNY, default 50000). */
    providentSavingsCny: cny(50_000),
    /** Below this provident balance a household has no savings buffer (CNY, default 1000). */
    noSavingsCny: cny(1000),
    /** Yearly farm income below this, with land, is a low farm income (CNY, default 5000). */
    lowFarmIncomeCny: cny(5000),
    /** Land that is a real asset (mu, default 5). */
    landMu: z.number().min(0).max(1e6).default(5),
    /** Livestock that is a real asset (heads, default 10). */
    livestockHeads: count(10),
    /** Months of social insurance below which a worker is uninsured (months, default 12). */
    insuredMonths: count(12),
    /** Inpatient days this year that are a long stay (days, default 30). */
    inpatientLongDays: count(30),
    /** Inpatient days this year that are a noticeable stay (days, default 10). */
    inpatientDays: count(10),
    /** Admissions this year that are frequent (default 3). */
    frequentAdmissions: count(3),
    /** Members from which a household is large (default 6). */
    largeHousehold: count(6),
    /** Minors from which a household has many children (default 3). */
    manyChildren: count(3),
    /** Dependants per working-age member that is a heavy load (default 2). */
    dependencyRatio: z.number().min(0).max(100).default(2),
    /** Share of elderly members that is an aged household (0–1, default 0.5). */
    elderlyShare: share(0.5),
    /** Registered unemployed this many months or more is long-term unemployment (months, default 12). */
    longUnemployedMonths: count(12),
    /** Barthel ADL index at or below this is severe functional dependence (0–100, default 40). */
    adlSevere: z.number().int().min(0).max(100).default(40),
    /** Severe mental illness risk level from which a member may harm self or others (1–5, default 3). */
    mentalRiskLevel: z.number().int().min(1).max(5).default(3),
  })
  .strict()
  .superRefine(ascending(['medicalOopLowCny', 'medicalOopMidCny', 'medicalOopHighCny', 'medicalTotalHighCny']))
  .superRefine(ascending(['tuitionLowCny', 'tuitionMidCny', 'tuitionHighCny']))
  .superRefine(ascending(['rentMidCny', 'rentHighCny']))
  .superRefine(ascending(['disasterLossLowCny', 'disasterLossHighCny']))
  .superRefine(ascending(['inpatientDays', 'inpatientLongDays']))
  .prefault({});

const SourceWeights = z
  .object({
    /** Enrolled as extreme poverty (特困) (points, default 8). */
    extremePoverty: pts(8),
    /** Enrolled as dibao or expenditure-type dibao (points, default 6). */
    dibao: pts(6),
    /** Enrolled as marginal (低边) (points, default 4). */
    marginal: pts(4),
    /** Exited assistance, rejected application or temporary assistance source (points, default 3). */
    unregisteredHighRisk: pts(3),
    /** Proactive discovery or another department's assistance as source (points, default 1). */
    unregisteredOther: pts(1),
    /** Enrolled for longTermYears or more (points, default 1). */
    longTerm: pts(1),
    /** Exited assistance recently (points, default 1). */
    recentExit: pts(1),
    /** Application rejected recently (points, default 1). */
    recentRejection: pts(1),
    /** Flagged at risk of (re)falling into poverty (points, default 2). */
    povertyRisk: pts(2),
    /** Household declared hardship itself (points, default 1). */
    selfDeclared: pts(1),
    /** Proactively discovered by a worker (points, default 1). */
    proactive: pts(1),
    /** Per level of concern a grid worker observed, 0–3 (points per level, default 1). */
    observedConcern: pts(1),
    /** A member registered as a hardship worker by the trade union (points, default 1). */
    hardshipWorker: pts(1),
    /** Enrolled or monitored but no grid visit within recentDays: the household is unseen (points, default 1). */
    unvisited: pts(1),
    /** Credit: veteran member receiving a benefit (points, default 1). */
    veteranCredit: pts(1),
    /** A member registered in deep hardship by the trade union (深度困难职工), on top of hardshipWorker (points, default 1). */
    deepHardship: pts(1),
  })
  .strict()
  .prefault({});

const StructureWeights = z
  .object({
    /** Only elderly members, one or two (孤寡) (points, default 5). */
    elderlyAlone: pts(5),
    /** Elderly share at or above elderlyShare (points, default 2). */
    elderlyShare: pts(2),
    /** A member at oldOldFrom or older (points, default 1). */
    oldOld: pts(1),
    /** No member of working age (points, default 4). */
    noWorkingAge: pts(4),
    /** Dependants per working-age member at or above dependencyRatio (points, default 3). */
    dependencyRatio: pts(3),
    /** Minors raised by a head without a spouse in the household (points, default 3). */
    singleParent: pts(3),
    /** A minor without parental care (事实无人抚养) (points, default 4). */
    withoutParentalCare: pts(4),
    /** A member died recently (points, default 2). */
    recentDeath: pts(2),
    /** Widowed head or spouse (points, default 1). */
    widowed: pts(1),
    /** Single-person household not elderly (points, default 2). */
    singlePerson: pts(2),
    /** Household of largeHousehold members or more (points, default 1). */
    largeHousehold: pts(1),
    /** manyChildren minors or more (points, default 2). */
    manyChildren: pts(2),
    /** An infant (points, default 1). */
    infant: pts(1),
    /** Two or more members in senior, vocational or university education (points, default 1). */
    students: pts(1),
  })
  .strict()
  .prefault({});

const HealthWeights = z
  .object({
    /** First member with a major disease (points, default 10). */
    majorDisease: pts(10),
    /** Each further member with a major disease (points, default 4). */
    majorDiseaseFurther: pts(4),
    /** Working-age head or spouse seriously ill or severely disabled (points, default 5). */
    earnerIll: pts(5),
    /** Each member with a chronic disease (points, default 1; at most chronicCap). */
    chronic: pts(1),
    /** Cap on the chronic-disease points (points, default 3). */
    chronicCap: pts(3),
    /** A member with three or more chronic diseases (points, default 1). */
    chronicMulti: pts(1),
    /** Each member with disability grade 1–2 (points, default 5). */
    disabilitySevere: pts(5),
    /** Each member with disability grade 3 (points, default 3). */
    disabilityModerate: pts(3),
    /** Each member with disability grade 4 (points, default 1). */
    disabilityMild: pts(1),
    /** Intellectual, mental or multiple disability (points, default 1). */
    disabilityCognitive: pts(1),
    /** Each member with a severe mental illness (points, default 4). */
    severeMental: pts(4),
    /** Each fully care-dependent member (points, default 4). */
    careFull: pts(4),
    /** Each partly care-dependent member (points, default 2). */
    carePartial: pts(2),
    /** Inpatient stay of inpatientLongDays or more (points, default 2). */
    inpatientLong: pts(2),
    /** Inpatient stay of inpatientDays or more (points, default 1). */
    inpatient: pts(1),
    /** frequentAdmissions admissions or more (points, default 1). */
    frequentAdmission: pts(1),
    /** A minor seriously ill or severely disabled (points, default 1). */
    childIll: pts(1),
    /** A very old member with a chronic disease (points, default 1). */
    frailElderly: pts(1),
    /** Credit: disabled members all receive a disability allowance (points, default 1). */
    disabilitySupport: pts(1),
    /** A member with Barthel ADL at or below adlSevere (points, default 1). */
    adlSevere: pts(1),
    /** A member with a severe mental illness at mentalRiskLevel or above (points, default 2). */
    mentalRisk: pts(2),
    /** A member of disability grade 1–2 without the care subsidy (护理补贴) (points, default 1). */
    noCareSubsidy: pts(1),
  })
  .strict()
  .prefault({});

const PropertyWeights = z
  .object({
    /** Renting privately without any residential property (points, default 3). */
    noHome: pts(3),
    /** Living in public rental housing (points, default 1). */
    publicRental: pts(1),
    /** Living area per person below crampedM2PerPerson (points, default 1). */
    cramped: pts(1),
    /** No vehicle, property, business, land or livestock at all (points, default 3). */
    noAssets: pts(3),
    /** Provident-fund savings below noSavingsCny (points, default 1). */
    noSavings: pts(1),
    /** Each elderly member without a pension (points, default 1; at most 2). */
    elderlyNoPension: pts(1),
    /** Each pension below the dibao line (points, default 1; at most 2). */
    lowPension: pts(1),
    /** Rural household without land (points, default 2). */
    landlessRural: pts(2),
    /** Land but farm income below lowFarmIncomeCny (points, default 1). */
    lowFarmIncome: pts(1),
    /** Declared taxable income below the dibao line per person (points, default 1). */
    lowDeclaredIncome: pts(1),
    /** Credit: a vehicle worth valuableVehicleCny or more (points, default 4). */
    valuableVehicle: pts(4),
    /** Credit: any car or truck (points, default 1). */
    vehicle: pts(1),
    /** Credit: commercial property, a second residence, or real estate worth realEstateValueCny (points, default 4). */
    realEstate: pts(4),
    /** Credit: a company, or business capital of businessCapitalCny or more (points, default 3). */
    business: pts(3),
    /** Credit: provident savings of providentSavingsCny or more (points, default 2). */
    providentSavings: pts(2),
    /** Credit: declared income per person at or above the comfortable line (points, default 3). */
    declaredIncome: pts(3),
    /** Credit: land of landMu or more (points, default 1). */
    land: pts(1),
    /** Credit: livestockHeads or more (points, default 1). */
    livestock: pts(1),
    /** Credit: a member draws an employee or institution pension (a stable income for life) (points, default 1). */
    employeePension: pts(1),
  })
  .strict()
  .prefault({});

const ExpenditureWeights = z
  .object({
    /** Medical out-of-pocket at the low tier (points, default 2). */
    medicalOopLow: pts(2),
    /** Medical out-of-pocket at the middle tier (points, default 6). */
    medicalOopMid: pts(6),
    /** Medical out-of-pocket at the high tier (points, default 10). */
    medicalOopHigh: pts(10),
    /** Total medical bills at medicalTotalHighCny or more (points, default 1). */
    medicalTotalHigh: pts(1),
    /** Share of the bill left to pay at medicalUncoveredShare or more (points, default 1). */
    medicalUncovered: pts(1),
    /** Net tuition, low tier (points, default 1). */
    tuitionLow: pts(1),
    /** Net tuition, middle tier (points, default 2). */
    tuitionMid: pts(2),
    /** Net tuition, high tier (points, default 4). */
    tuitionHigh: pts(4),
    /** Each student with fees of studentFeeCny or more and no grant (points, default 1; at most 2). */
    studentFees: pts(1),
    /** Net rent above zero (points, default 1). */
    rentLow: pts(1),
    /** Net rent, middle tier (points, default 2). */
    rentMid: pts(2),
    /** Net rent, high tier (points, default 3). */
    rentHigh: pts(3),
    /** Rigid spending per person at rigidPerCapitaCny or more (points, default 2). */
    rigidBurden: pts(2),
    /** Temporary assistance received this or last year: a crisis needed cash (points, default 1). */
    temporaryAssistance: pts(1),
    /** Credit: medical assistance received (points, default 1). */
    medicalAssistance: pts(1),
    /** Credit: regular assistance of assistanceOffsetCny or more per month (points, default 1). */
    regularAssistance: pts(1),
    /** Credit: housing subsidy received (points, default 1). */
    housingSubsidy: pts(1),
    /** Credit: elderly care subsidy received (points, default 1). */
    careSubsidy: pts(1),
  })
  .strict()
  .prefault({});

const EmploymentWeights = z
  .object({
    /** Working-age members who could work but none works (points, default 6). */
    noneEmployed: pts(6),
    /** Each unemployed working-age member (points, default 2; at most 4). */
    unemployed: pts(2),
    /** Each working-age member unable to work (points, default 3; at most 6). */
    unable: pts(3),
    /** Earned income (wages, unemployment benefit) per non-retired member below the dibao line (points, default 5). */
    incomeBelowDibao: pts(5),
    /** Earned income per person below the marginal line (points, default 3). */
    incomeBelowMarginal: pts(3),
    /** Earned income per person below the low-income line (points, default 1). */
    incomeLow: pts(1),
    /** Only flexible or farm work, no stable job (points, default 1). */
    flexibleOnly: pts(1),
    /** Each employee paid below the minimum wage (points, default 1; at most 2). */
    lowWage: pts(1),
    /** Each worker with fewer than insuredMonths of social insurance (points, default 1; at most 2). */
    uninsured: pts(1),
    /** A member on a public-welfare (subsidised) post (points, default 1). */
    publicWelfarePost: pts(1),
    /** Each working-age member with at most primary education (points, default 1; at most 2). */
    lowEducation: pts(1),
    /** No working-age member skilled or college-educated (points, default 1). */
    unskilled: pts(1),
    /** A member past retirement age still working (points, default 1). */
    elderlyWorking: pts(1),
    /** Credit: unemployment benefit received (points, default 1). */
    unemploymentBenefit: pts(1),
    /** Credit: a member pays into the provident fund (points, default 1). */
    providentFund: pts(1),
    /** Credit: earned income per person at or above the comfortable line (points, default 2). */
    highIncome: pts(2),
    /** A member registered unemployed for longUnemployedMonths or more (points, default 2). */
    longUnemployed: pts(2),
    /** Each worker insured on a base below the minimum wage (points, default 1; at most 2). */
    lowInsuranceBase: pts(1),
  })
  .strict()
  .prefault({});

const OtherWeights = z
  .object({
    /** Dwelling lost or uninhabitable (points, default 6). */
    uninhabitable: pts(6),
    /** Housing safety grade C (points, default 2). */
    housingC: pts(2),
    /** Housing safety grade D, dangerous (points, default 4). */
    housingD: pts(4),
    /** Recent minor incident (disaster, fire, accident) (points, default 1). */
    incidentMinor: pts(1),
    /** Recent serious incident (points, default 3). */
    incidentSerious: pts(3),
    /** Recent fatal incident (points, default 4). */
    incidentFatal: pts(4),
    /** Disaster loss this year at the low tier (points, default 1). */
    disasterLossLow: pts(1),
    /** Disaster loss this year at the high tier (points, default 2). */
    disasterLossHigh: pts(2),
    /** Summed recent incident losses of incidentLossCny or more (points, default 1). */
    incidentLoss: pts(1),
    /** Each school-age member who dropped out (points, default 3). */
    dropout: pts(3),
    /** A child of compulsory school age not in school (points, default 2). */
    notInSchool: pts(2),
    /** A dropout the school recorded as leaving for financial reasons (因经济条件辍学), on top of dropout (points, default 1). */
    dropoutFinancial: pts(1),
  })
  .strict()
  .prefault({});

const Weights = z
  .object({
    source: SourceWeights,
    structure: StructureWeights,
    health: HealthWeights,
    property: PropertyWeights,
    expenditure: ExpenditureWeights,
    employment: EmploymentWeights,
    other: OtherWeights,
  })
  .strict()
  .prefault({});

/** Yuanzhou cause factors (seed 003): half-point weights added up and capped at 5. */
const Causes = z
  .object({
    /** Illness: some member has a chronic disease (default 1). */
    chronic: half(1),
    /** Illness: each further member with a chronic disease (default 0.5, at most 1 in all). */
    chronicFurther: half(0.5),
    /** Illness: a member admitted to hospital this year, no chronic or major disease (default 0.5). */
    admitted: half(0.5),
    /** Illness: first seriously ill member (default 2; the ≥ 2 illness-driven definition). */
    majorDisease: half(2),
    /** Illness: each further seriously ill member (default 1.5). */
    majorDiseaseFurther: half(1.5),
    /** Illness: a severe mental illness (default 1). */
    severeMental: half(1),
    /** Illness: a long inpatient stay (default 0.5). */
    inpatientLong: half(0.5),
    /** Illness: medical out-of-pocket at the middle tier or above (default 0.5). */
    medicalOop: half(0.5),
    /** Disability: each member of grade 1 (default 3). */
    disabilityGrade1: half(3),
    /** Disability: each member of grade 2 (default 2; the ≥ 2 disability-driven definition). */
    disabilityGrade2: half(2),
    /** Disability: each member of grade 3 (default 1; two of grade 3 reach 2). */
    disabilityGrade3: half(1),
    /** Disability: each member of grade 4 (default 0.5). */
    disabilityGrade4: half(0.5),
    /** Disability: intellectual, mental or multiple disability (default 0.5). */
    disabilityCognitive: half(0.5),
    /** Disability: a disabled member without allowance (default 0.5). */
    disabilityNoAllowance: half(0.5),
    /** Disability: a disabled member fully care-dependent (default 1). */
    disabilityCareFull: half(1),
    /** Disability: a disabled member partly care-dependent (default 0.5). */
    disabilityCarePartial: half(0.5),
    /** Education: each pupil in preschool, primary or junior school (default 0.5). */
    pupil: half(0.5),
    /** Education: each student in senior or vocational school (default 1). */
    seniorStudent: half(1),
    /** Education: each university student (default 1.5). */
    universityStudent: half(1.5),
    /** Education: net tuition at the low tier or above (default 0.5). */
    tuition: half(0.5),
    /** Education: net tuition at the high tier (default 0.5 more). */
    tuitionHigh: half(0.5),
    /** Education: a school-age dropout (因经济条件辍学, default 3). */
    dropout: half(3),
    /** Housing: safety grade B (default 0.5). */
    housingB: half(0.5),
    /** Housing: safety grade C (default 1.5). */
    housingC: half(1.5),
    /** Housing: safety grade D (default 3). */
    housingD: half(3),
    /** Housing: renting privately (default 1). */
    renting: half(1),
    /** Housing: public rental (default 0.5). */
    publicRental: half(0.5),
    /** Housing: cramped dwelling (default 0.5). */
    cramped: half(0.5),
    /** Housing: no dwelling (无居所, default 5). */
    uninhabitable: half(5),
    /** Disaster: recent minor disaster or fire (default 1). */
    disasterMinor: half(1),
    /** Disaster: recent serious disaster or fire (default 2). */
    disasterSerious: half(2),
    /** Disaster: recent fatal disaster or fire (default 3). */
    disasterFatal: half(3),
    /** Disaster: loss this year at the low tier (default 0.5). */
    disasterLossLow: half(0.5),
    /** Disaster: loss this year at the high tier (default 1). */
    disasterLossHigh: half(1),
    /** Employment: scale of the unemployed share of able members (default 4: all unemployed = 4). */
    unemployedShare: half(4),
    /** Employment: nobody in work although someone could (无人就业, default 1 more). */
    noneEmployed: half(1),
    /** Employment: each flexible or public-welfare-post worker (default 0.5, at most 1). */
    precarious: half(0.5),
    /** Skills: each able adult with at most primary education and no certificate (default 1). */
    unskilledLow: half(1),
    /** Skills: each able adult with junior education and no certificate (default 0.5). */
    unskilledJunior: half(0.5),
    /** Skills: no able adult holds a certificate or higher education (default 0.5). */
    noSkilledAdult: half(0.5),
    /** Labour: nobody able to work (base, default 3). */
    noLabourBase: half(3),
    /** Labour: each dependant (minor, student, adult unable to work) per able member (default 1). */
    dependantRatio: half(1),
    /** Other: enrolled extreme poverty (default 1.5). */
    otherExtremePoverty: half(1.5),
    /** Other: enrolled dibao or expenditure dibao (default 1). */
    otherDibao: half(1),
    /** Other: enrolled marginal or an unregistered high-risk source (default 0.5). */
    otherMarginal: half(0.5),
    /** Other: an elderly member (default 0.5). */
    otherElderly: half(0.5),
    /** Other: a single parent (default 0.5). */
    otherSingleParent: half(0.5),
    /** Other: a child without parental care (default 1). */
    otherWithoutCare: half(1),
    /** Other: a recent death (default 0.5). */
    otherRecentDeath: half(0.5),
    /** Other: a recent accident (default 0.5). */
    otherAccident: half(0.5),
    /** Other: per level of observed concern (default 0.5). */
    otherConcern: half(0.5),
  })
  .strict()
  .prefault({});

const Alerts = z
  .object({
    /**
     * Large medical spending is judged against the household's own means (Jiangyin's rule): this
     * year's out-of-pocket spending from this share of its yearly income (with no recorded income:
     * of the dibao line for its members) triggers an alert (0–1, default 0.3).
     */
    medicalOutOfPocketShare: share(0.3),
    /** …from this share it is severe, hence urgent (0–1, default 0.5: half a year's income). */
    medicalSevereShare: share(0.5),
    /** Configuration floor: smaller sums never alert, whatever the income (CNY, default 2000). */
    medicalOutOfPocketMinCny: cny(2_000),
    /** Configuration ceiling: from this sum spending is severe for any household (CNY, default 50000). */
    medicalSevereCny: cny(50_000),
    /** A score drop of this many points in one update is sharp (points, default 10). */
    sharpDropPoints: z.number().min(0.5).max(100).default(10),
  })
  .strict()
  .prefault({});

const Needs = z
  .object({
    /** Rigid (medical + tuition + rent) spending above this share of yearly income is an expenditure need (0–1, default 0.4). */
    rigidShare: share(0.4),
    /** Incidents, deaths and diagnoses this recent are an emergency (days, default 90). */
    emergencyDays: z.number().int().min(1).max(3650).default(90),
  })
  .strict()
  .prefault({});

export const ModelSchema = z
  .object({
    /** Identifies the weights in force; stored with every profile. */
    version: z.string().min(1).default('hz-2026.11'),
    /** Ages are taken at this date (YYYY-MM-DD) so scoring never reads a clock; moved by the monthly full rescore. */
    referenceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default('2026-11-01'),
    /** Maximum points of each dimension; they add up to 100. */
    dimensionMax: dimensionMax.default({ source: 10, structure: 15, health: 20, property: 15, expenditure: 15, employment: 15, other: 10 }),
    tiers: z
      .object({
        /** Scores at or above this are tier 2 (default 60). */
        tier2From: z.number().min(0).max(100).default(60),
        /** Scores at or above this are tier 3 (default 90). */
        tier3From: z.number().min(0).max(100).default(90),
      })
      .strict()
      .refine((t) => t.tier2From < t.tier3From, { message: 'tier2From must be below tier3From', path: ['tier3From'] })
      .default({ tier2From: 60, tier3From: 90 }),
    deadlines: z
      .object({
        /** Days to verify an urgent alert (default 3). */
        urgentDays: z.number().int().positive().default(3),
        /** Days to verify a general alert (default 7). */
        generalDays: z.number().int().positive().default(7),
      })
      .strict()
      .default({ urgentDays: 3, generalDays: 7 }),
    /** Income lines, CNY per person per month. */
    lines: Lines,
    /** Age bands, whole years at the reference date. */
    ages: Ages,
    /** Indicator thresholds (units in each key's doc). */
    thresholds: Thresholds,
    /** Indicator points per dimension. */
    weights: Weights,
    /** Yuanzhou cause-factor weights (0–5 scale, half points). */
    causes: Causes,
    /** Alert thresholds. */
    alerts: Alerts,
    /** Need-type thresholds. */
    needs: Needs,
  })
  .strict();

export type Model = z.infer<typeof ModelSchema>;
export type ModelInput = z.input<typeof ModelSchema>;

export const DEFAULT_MODEL: Model = Object.freeze(ModelSchema.parse({})) as Model;
