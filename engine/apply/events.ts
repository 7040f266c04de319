/**
 * Notable fact changes found while applying an update: what the alert rules read instead of
 * diffing households themselves. An event is emitted only when the fact really changed.
 */
import type { CareDependency, DisabilityGrade, HousingSafety, Incident, RegisteredCategory, SchoolStage } from '../types.js';
import type { PayloadOf } from '../catalogue/payloads.js';

type Severity = Incident['severity'];

export type FactEvent =
  // members
  | { type: 'death'; personId: string; cause: PayloadOf<'death_registered'>['cause']; mainEarner: boolean }
  | { type: 'birth'; personId: string }
  | { type: 'member_joined'; personId: string; reason: PayloadOf<'residence_registered'>['reason'] }
  | { type: 'member_left'; personId: string; reason: PayloadOf<'residence_cancelled'>['reason'] }
  | { type: 'marital_status_changed'; personId: string; from: string; to: string }
  // health
  | { type: 'major_disease'; personId: string; disease: string }
  | { type: 'chronic_disease'; personId: string; disease: string }
  | { type: 'severe_mental_illness'; personId: string }
  | { type: 'disability_grade_changed'; personId: string; from: DisabilityGrade; to: DisabilityGrade }
  | { type: 'care_dependency_changed'; personId: string; from: CareDependency; to: CareDependency }
  | { type: 'inpatient_admission'; personId: string; days: number; diagnosisCode: string }
  /** `yearOutOfPocketCny`: the household's medical out-of-pocket so far this year, after every payer. */
  | { type: 'medical_spend'; personId: string; totalCny: number; outOfPocketCny: number; yearOutOfPocketCny: number; inpatient: boolean }
  // incidents
  | { type: 'accident'; personId: string; severity: Severity; lossCny: number }
  | { type: 'fire'; severity: Severity; lossCny: number; housingLost: boolean }
  | { type: 'disaster'; severity: Severity; lossCny: number; housingLost: boolean }
  // livelihood
  /** `mainEarner`: the person had the household's highest monthly income (and some income) before. */
  | { type: 'unemployment'; personId: string; mainEarner: boolean }
  | { type: 'school_dropout'; personId: string; stage: Exclude<SchoolStage, 'none'> }
  | { type: 'dangerous_housing'; grade: HousingSafety; from: HousingSafety }
  // assets (eligibility review for enrolled households)
  | { type: 'vehicle_acquired'; plate: string; valueCny: number }
  | { type: 'property_acquired'; certificate: string; valueCny: number }
  | { type: 'business_registered'; registration: string; valueCny: number }
  // assistance and discovery
  | { type: 'assistance_enrolled'; category: RegisteredCategory; monthlyCny: number }
  | { type: 'assistance_exited'; reason: PayloadOf<'assistance_exited'>['reason'] }
  | { type: 'application_rejected'; category: RegisteredCategory }
  | { type: 'temporary_assistance'; amountCny: number }
  | { type: 'poverty_risk_flagged'; riskType: PayloadOf<'poverty_risk_flagged'>['riskType'] }
  | { type: 'grid_concern'; concern: 2 | 3; observed: PayloadOf<'grid_visit_recorded'>['observed'] }
  | { type: 'self_declaration'; hardships: PayloadOf<'self_declaration_submitted'>['hardships'] }
  | { type: 'proactive_discovery'; concern: 0 | 1 | 2 | 3 };

export type FactEventType = FactEvent['type'];
