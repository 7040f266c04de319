import { z } from 'zod';

/** Connection to the NATS server and the JetStream stream of department updates. */
export const NatsSection = z
  .object({
    url: z.string().min(1).default('nats://127.0.0.1:4222').describe('Server URL(s), comma-separated (default nats://127.0.0.1:4222; env NATS_URL also works).'),
    name: z.string().min(1).default('lifeline').describe('Client name shown in server monitoring.'),
    user: z.string().min(1).optional().describe('User name for user/password authentication (needs pass).'),
    pass: z.string().min(1).optional().describe('Password for user/password authentication.'),
    token: z.string().min(1).optional().describe('Token authentication.'),
    credsFile: z.string().min(1).optional().describe('Path of a .creds file (JWT + nkey seed).'),
    nkeySeedFile: z.string().min(1).optional().describe('Path of a file holding an nkey seed.'),
    tls: z
      .object({
        caFile: z.string().min(1).optional().describe('PEM file of the CA that signed the server certificate.'),
        certFile: z.string().min(1).optional().describe('PEM client certificate for mutual TLS.'),
        keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate.'),
      })
      .strict()
      .optional(),
    noAsyncTraces: z.boolean().default(true).describe('Skip async stack traces in the client: roughly doubles windowed publish throughput.'),
  })
  .strict()
  .refine((n) => !(n.user && !n.pass), { message: 'nats.user needs nats.pass', path: ['pass'] });

export const StreamSection = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_UPDATES').describe('Stream holding every department update.'),
    subjectPrefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default('lifeline').describe('Subjects are `<prefix>.upd.<partition>.<source>`; dead letters `<prefix>.dlq.<origin>`.'),
    partitions: z.number().int().min(1).max(1024).default(8).describe('Fixed when the stream is created and recorded with it (stream metadata).'),
    maxAgeHours: z.number().positive().default(24 * 7).describe('Messages older than this are removed (hours, default 7 days).'),
    maxBytes: z.number().int().positive().default(8 * 1024 ** 3).describe('Stream size cap in bytes (default 8 GiB); oldest messages go first.'),
    duplicateWindowSec: z.number().positive().default(120).describe('Window in which a repeated Nats-Msg-Id is dropped by the server (seconds, default 2 min).'),
    replicas: z.number().int().min(1).max(5).default(1).describe('Stream replicas (1 on one server; 3 on a cluster).'),
    deadLetterName: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_DEAD').describe('Stream holding dead letters (rejected input, crashing messages).'),
    auditName: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_AUDIT').describe('Append-only audit stream (deny delete and purge, kept forever), subjects `<prefix>.audit.<action>`.'),
    keysBucket: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_KEYS').describe('JetStream KV bucket of issued API keys (sha256 → record), watched by every API node.'),
    alertsBucket: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_ALERTS').describe('JetStream KV bucket of every alert as last committed (one key per alert, written by the owning engine after its commit), watched by every API node of a multi-node deployment.'),
    helpBucket: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_HELP').describe('JetStream KV bucket of the help loop: every alliance project and referral as last committed by its owning engine, watched by every API node (registry, matching, referral queues).'),
    feedsBucket: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_FEEDS').describe('JetStream KV bucket of feed health, one key per department, so it survives a restart.'),
  })
  .strict();
