/**
 * Everything configurable, in one zod schema. Each section lives in `sections/`; the model
 * (weights, bands, thresholds, deadlines) is the engine's own schema.
 */
import { z } from 'zod';
import { ModelSchema } from '../engine/model.js';
import { NatsSection, StreamSection } from './sections/nats.js';
import { ApiSection, CitySection, EngineSection, FeedsSection, LmdbSection } from './sections/runtime.js';
import { MetricsSection } from './sections/metrics.js';

export const ConfigSchema = z
  .object({
    nats: NatsSection.default(NatsSection.parse({})),
    stream: StreamSection.default(StreamSection.parse({})),
    lmdb: LmdbSection.default(LmdbSection.parse({})),
    engine: EngineSection.default(EngineSection.parse({})),
    api: ApiSection.default(ApiSection.parse({})),
    city: CitySection.default(CitySection.parse({})),
    feeds: FeedsSection.default(FeedsSection.parse({})),
    metrics: MetricsSection.default(MetricsSection.parse({})),
    model: ModelSchema.default(ModelSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
