/** The synthetic city: profiles, region layouts, resident IDs, and the streaming generator. */
export { generateCity, CityGenerator, HOUSEHOLD_CATEGORIES, type CityCounters, type GenerateOptions } from './generator.js';
export { writeCity, readCity, readManifest, HOUSEHOLDS_FILE, MANIFEST_FILE, GENERATOR_VERSION, type CityManifest } from './writer.js';
export { PROFILES, PROFILE_NAMES, COMPOSITIONS, profileByName, householdTotal, type CityProfile, type ProfileName, type Composition } from './profiles.js';
export {
  hangzhouLayout,
  yuanzhouLayout,
  layoutByName,
  regionsGeoJSON,
  insideRect,
  birthRegionCodes,
  type RegionLayout,
  type DistrictDef,
  type TownshipDef,
  type CommunityDef,
  type Rect,
  type RegionFeatureCollection,
} from './regions.js';
export { makeIdNumber, isValidIdNumber, parseIdNumber, idCheckChar, IdNumberAllocator, type ParsedIdNumber } from './ids.js';
export { fullName, surname, givenName } from './names.js';
export { Rng, cumulative, hashString, mix32 } from './rng.js';
export { CHRONIC_DISEASES, MAJOR_DISEASES } from './household.js';
export { generateRegistry, registryStats, SERVICE_LABELS, PROJECTS_PER_SITE, type Registry, type RegistryOptions, type RegistryStats } from './resources.js';
