/**
 * The scoring and alerting model: weights, bands, thresholds and deadlines, validated with zod
 * and versioned. `config/` embeds this schema; the engine only ever receives a parsed Model.
 */
import { z } from 'zod';
import { DIMENSIONS } from './catalogue/departments.js';

const DEFAULT_DIMENSION_MAX = { source: 10, structure: 15, health: 20, property: 15, expenditure: 15, employment: 15, other: 10 } as const;

const dimensionMax = z
  .object(
    Object.fromEntries(DIMENSIONS.map((d) => [d, z.number().positive().default(DEFAULT_DIMENSION_MAX[d])])) as Record<
      (typeof DIMENSIONS)[number],
      z.ZodDefault<z.ZodNumber>
    >,
  )
  .strict()
  .refine((m) => Math.abs(Object.values(m).reduce((a, b) => a + b, 0) - 100) < 1e-9, {
    message: 'dimension maxima must add up to 100',
  });

export const ModelSchema = z
  .object({
    /** Identifies the weights in force; stored with every profile. */
    version: z.string().min(1).default('hz-2026.11'),
    /** Ages are taken at this date (YYYY-MM-DD) so scoring never reads a clock; moved by the monthly full rescore. */
    referenceDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default('2026-11-01'),
    /** Maximum points of each dimension; they add up to 100. */
    dimensionMax: dimensionMax.default({ ...DEFAULT_DIMENSION_MAX }),
    tiers: z
      .object({
        /** Scores at or above this are tier 2 (default 60). */
        tier2From: z.number().min(0).max(100).default(60),
        /** Scores at or above this are tier 3 (default 90). */
        tier3From: z.number().min(0).max(100).default(90),
      })
      .strict()
      .refine((t) => t.tier2From < t.tier3From, { message: 'tier2From must be below tier3From' })
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
  })
  .strict();

export type Model = z.infer<typeof ModelSchema>;

export const DEFAULT_MODEL: Model = Object.freeze(ModelSchema.parse({})) as Model;
