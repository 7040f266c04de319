export { connectNats, natsOptions, type NatsConfig } from './connect.js';
