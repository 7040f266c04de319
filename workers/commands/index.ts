/** Caseworker actions as commands through the partition (see types.ts). */
export * from './types.js';
export { parseCommand, requestOf, AlertCommandSchema, type ParsedCommand } from './codec.js';
export { CommandResponder, outcomeMessageOf } from './responder.js';
export * from './help.js';
