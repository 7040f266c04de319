/** Resilience tiers: 1 (weakest) below tier2From, 3 (strongest) from tier3From, else 2. */
import type { Model } from '../model.js';
import type { Tier } from '../types.js';

export function tierOf(score: number, model: Model): Tier {
  return score < model.tiers.tier2From ? 1 : score >= model.tiers.tier3From ? 3 : 2;
}
