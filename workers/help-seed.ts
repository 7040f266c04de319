/**
 * Seeds the alliance registry into the stream: one `project.create` command per generated project
 * on its partition (the stream is the truth; the engine writes the projects and the help feed).
 * Idempotent: each command has a fixed key and Nats-Msg-Id, and the engine refuses a project that
 * exists, so running it twice changes nothing.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../config/index.js';
import type { RegionLayout } from '../connectors/city/regions.js';
import { generateRegistry } from '../connectors/city/resources.js';
import { partitionOf } from '../connectors/publisher/partition.js';
import { streamPartitions } from '../connectors/publisher/stream.js';
import type { Project } from '../engine/help/types.js';
import { commandMsgId, commandSubject, helpRouteKey, type HelpCommand } from './commands/index.js';

export interface SeedOptions {
  layout: RegionLayout;
  /** Registry seed (default config.city.seed). */
  seed?: number;
  /** Projects to make (default: the generator's, ~0.76 per site). */
  projects?: number;
  /** Publishes in flight at once (default 256). */
  window?: number;
  /** When the registry's active periods start (epoch ms; default the generator's). */
  now?: number;
}

export function seedCommand(project: Project, at: number): HelpCommand {
  return { v: 1, key: `system|seed|${project.id}`, actor: 'system', role: null, at, requestId: `seed:${project.id}`, op: 'project.create', project };
}

/**
 * Publishes help commands on their partitions (`helpRouteKey`), `window` in flight at once, each
 * with its Nats-Msg-Id so a repeat within the duplicate window is dropped. Returns how many were.
 */
export async function publishHelpCommands(nc: NatsConnection, config: Readonly<Config>, cmds: readonly HelpCommand[], window = 256): Promise<number> {
  const n = await streamPartitions(await jetstreamManager(nc), config.stream.name);
  const js = jetstream(nc);
  let duplicates = 0;
  for (let i = 0; i < cmds.length; i += window) {
    await Promise.all(
      cmds.slice(i, i + window).map(async (cmd) => {
        const h = headers();
        h.set('Nats-Msg-Id', commandMsgId(cmd.key));
        const ack = await js.publish(commandSubject(config.stream.subjectPrefix, partitionOf(helpRouteKey(cmd)!, n)), JSON.stringify({ help: cmd }), { headers: h });
        if (ack.duplicate) duplicates++;
      }),
    );
  }
  return duplicates;
}

export async function seedRegistry(nc: NatsConnection, config: Readonly<Config>, o: SeedOptions): Promise<{ projects: number; sites: number; duplicates: number }> {
  const reg = generateRegistry(o.layout, o.seed ?? config.city.seed, { ...(o.projects !== undefined ? { projects: o.projects } : {}), ...(o.now !== undefined ? { now: o.now } : {}) });
  const duplicates = await publishHelpCommands(
    nc,
    config,
    reg.projects.map((project) => seedCommand(project, project.createdAt)),
    o.window,
  );
  return { projects: reg.projects.length, sites: reg.sites.length, duplicates };
}
