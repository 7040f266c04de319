/**
 * Calibration of a synthetic population to a survey's marginals (quota sampling, as survey
 * statisticians calibrate a sample): for each household slot the generator draws a few
 * candidates from the same generative process and keeps the one whose cause scores, as the
 * engine computes them, are most under-represented so far against the survey's distribution of
 * each factor. Deterministic (the candidates come from the seeded stream); the survey's counts
 * live in the profile (`causeTargets`, from calibration/yuanzhou_cause_scores.csv).
 */
import { causeScores } from '../../../engine/causes.js';
import { ModelSchema, type Model } from '../../../engine/model.js';
import { CAUSES, type Cause, type Household } from '../../../engine/types.js';

/** Score levels 0, 0.5, … 5. */
const LEVELS = 11;

export interface CauseTargets {
  /** Households per level (0, 0.5, … 5) of each factor in the survey. */
  counts: Readonly<Record<Cause, readonly number[]>>;
  /** Candidates drawn per household slot (1 = no calibration). */
  candidates: number;
}

export class CauseQuota {
  private readonly shares: Record<Cause, number[]>;
  private readonly seen: Record<Cause, number[]>;
  private readonly model: Model;
  private accepted = 0;

  constructor(targets: CauseTargets, referenceDate: string) {
    this.model = ModelSchema.parse({ referenceDate });
    this.shares = {} as Record<Cause, number[]>;
    this.seen = {} as Record<Cause, number[]>;
    for (const c of CAUSES) {
      const row = targets.counts[c];
      const total = row.reduce((a, b) => a + b, 0) || 1;
      this.shares[c] = Array.from({ length: LEVELS }, (_, i) => (row[i] ?? 0) / total);
      this.seen[c] = new Array<number>(LEVELS).fill(0);
    }
  }

  /** Levels (index = score × 2) of each factor for `h`. */
  levelsOf(h: Household): number[] {
    const s = causeScores(h, this.model);
    return CAUSES.map((c) => Math.round(s[c] * 2));
  }

  /** How much taking a household with these levels closes the gaps to the survey (higher is better). */
  gain(levels: readonly number[]): number {
    const n = this.accepted + 1;
    let g = 0;
    CAUSES.forEach((c, i) => {
      const l = levels[i]!;
      g += this.shares[c][l]! * n - this.seen[c][l]!;
    });
    return g;
  }

  take(levels: readonly number[]): void {
    CAUSES.forEach((c, i) => this.seen[c][levels[i]!]!++);
    this.accepted++;
  }
}
