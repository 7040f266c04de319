/**
 * Workload profiles of the department simulators, and the alert rate the realistic one aims at.
 *
 * ## The aim: 1.37 alerts per 10,000 households per day (seeds 000 and 002)
 *
 * - alerted families: 25,000 — "为2.5万个触发预警的家庭提供了救助帮扶" (seed 002, 2024-08-30);
 * - monitored households: 223,000 — "在册对象8.3万户、非在册对象14万余户" (seed 002);
 * - the pilot's duration: the monitoring app became a major task of the provincial pilot in June
 *   2022 ("2022年6月 … 列入 … 试点重大任务", seed 000; the pilot plan runs 2022—2024 and 2024 is
 *   "试点收官之年", seed 002), and the 25,000 are counted on 2024-08-30: 2022-06-01 → 2024-08-30
 *   is 821 days.
 *
 *   25,000 / 223,000 / 821 days × 10,000 = 1.37 alerted families per 10,000 households per day
 *
 * That is ≈ 30 a day for the whole city, 0.16 a day (about one a week) for each of its 192
 * townships. The app went live some time after June 2022, and a family may be alerted twice, so
 * the pilot's true rate of alerts is somewhat higher; 1.37 is the floor we aim at.
 *
 * ## Two workloads
 *
 * - 'realistic' (`REALISTIC_KIND_RATES`): the city's routine records (pensions, contributions,
 *   medical settlements, grid visits …) at their real frequency and the alert-raising events
 *   (deaths, diagnoses, births, disability changes, job loss, dropouts, dangerous housing,
 *   accidents, fires, disasters, assets of enrolled households, large medical spending) rare
 *   enough that the engine's alert rules (engine/alerts/rules.ts) open alerts at the aimed rate.
 *   The default of a live feed (`lifeline start`, `lifeline feed`).
 * - 'bench' (`BENCH_KIND_RATES`): the heavy mix the benches were measured with, about one update
 *   in twenty raising an alert. The default on the simulator's own clock (benches, batch tests).
 *
 * ## Simulated time of a live feed
 *
 * The realistic rates add up to `REALISTIC_UPDATES_PER_HOUSEHOLD_DAY` updates per household per
 * simulated day (≈ 0.096). A live feed at R updates/s over H households thus runs
 * `speedUp(R, H)` = R · 86,400 / (H · 0.096) simulated days per wall day: at the defaults (200/s,
 * 223,000 households) ≈ 810×, one wall minute ≈ 0.56 simulated day, and the engine should open
 * ≈ 17 alerts a minute — a queue a township can work (one or two each after a quarter of an hour)
 * rather than thousands. Updates stay stamped with the wall clock (deadlines, feed health and a
 * restart depend on it); only the volume is compressed. The feed's own rate is `city.liveRatePerSec`.
 *
 * What compression does not change: the calendar. Year-to-date sums (medical out-of-pocket) fill
 * ≈ 810× faster in wall time and reset only on the wall clock's new year, and the city's own sums
 * already hold the months before its reference date: a live run, late in a year, crosses more
 * households' medical-spending thresholds than a true calendar would. Measured (README): a quarter
 * of a live run's alerts are medical spending against ≈ 8 % over a simulated calendar, and that
 * surplus is the whole gap between the live run's 1.6 alerts per 10,000 households a day and 1.37.
 */
import type { Kind } from '../../engine/types.js';
import { BENCH_KIND_RATES, REALISTIC_KIND_RATES } from './rates.js';

export const WORKLOADS = ['realistic', 'bench'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Alerted families per 10,000 monitored households per day in the Hangzhou pilot (see above). */
export const PILOT = Object.freeze({
  alertedFamilies: 25_000,
  households: 223_000,
  /** 2022-06-01 → 2024-08-30. */
  days: 821,
});
export const AIMED_ALERTS_PER_10K_HOUSEHOLDS_PER_DAY = (PILOT.alertedFamilies / PILOT.households / PILOT.days) * 10_000;

/** The kind rates of a workload (realistic: per 10,000 households per simulated day; bench: relative). */
export function kindRates(workload: Workload): Readonly<Record<Kind, number>> {
  return workload === 'realistic' ? REALISTIC_KIND_RATES : BENCH_KIND_RATES;
}

/** Updates per household per simulated day of the realistic workload. */
export const REALISTIC_UPDATES_PER_HOUSEHOLD_DAY = Object.values(REALISTIC_KIND_RATES).reduce((a, b) => a + b, 0) / 10_000;

const DAY_MS = 86_400_000;

/** Mean simulated gap between two updates of the realistic workload over `households` households (ms). */
export function realisticGapMs(households: number): number {
  return DAY_MS / (households * REALISTIC_UPDATES_PER_HOUSEHOLD_DAY);
}

/** Simulated days per wall day of a realistic live feed at `ratePerSec` over `households` households. */
export function speedUp(ratePerSec: number, households: number): number {
  return (ratePerSec * DAY_MS) / 1000 / (households * REALISTIC_UPDATES_PER_HOUSEHOLD_DAY);
}

/** The share of updates that should open an alert in the realistic workload (the aim over the update volume). */
export const AIMED_ALERT_SHARE = AIMED_ALERTS_PER_10K_HOUSEHOLDS_PER_DAY / (REALISTIC_UPDATES_PER_HOUSEHOLD_DAY * 10_000);
