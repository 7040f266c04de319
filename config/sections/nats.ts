import { z } from 'zod';

/** Connection to the NATS server and the JetStream stream of department updates. */
export const NatsSection = z
  .object({
    /** Server URL(s), comma-separated (default nats://127.0.0.1:4222; env NATS_URL also works). */
    url: z.string().min(1).default('nats://127.0.0.1:4222'),
    /** Client name shown in server monitoring. */
    name: z.string().min(1).default('lifeline'),
    user: z.string().min(1).optional(),
    pass: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    /** Path of a .creds file (JWT + nkey seed). */
    credsFile: z.string().min(1).optional(),
    /** Path of a file holding an nkey seed. */
    nkeySeedFile: z.string().min(1).optional(),
    tls: z
      .object({
        caFile: z.string().min(1).optional(),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Skip async stack traces in the client: roughly doubles windowed publish throughput. */
    noAsyncTraces: z.boolean().default(true),
  })
  .strict()
  .refine((n) => !(n.user && !n.pass), { message: 'nats.user needs nats.pass', path: ['pass'] });

export const StreamSection = z
  .object({
    /** Stream holding every department update. */
    name: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_UPDATES'),
    /** Subjects are `<prefix>.upd.<partition>.<source>`; dead letters `<prefix>.dlq.<origin>`. */
    subjectPrefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default('lifeline'),
    /** Fixed when the stream is created and recorded with it (stream metadata). */
    partitions: z.number().int().min(1).max(1024).default(8),
    /** Messages older than this are removed (hours, default 7 days). */
    maxAgeHours: z.number().positive().default(24 * 7),
    /** Stream size cap in bytes (default 8 GiB); oldest messages go first. */
    maxBytes: z.number().int().positive().default(8 * 1024 ** 3),
    /** Window in which a repeated Nats-Msg-Id is dropped by the server (seconds, default 2 min). */
    duplicateWindowSec: z.number().positive().default(120),
    /** Stream replicas (1 on one server; 3 on a cluster). */
    replicas: z.number().int().min(1).max(5).default(1),
    /** Stream holding dead letters (rejected input, crashing messages). */
    deadLetterName: z.string().regex(/^[A-Za-z0-9_-]+$/).default('LIFELINE_DEAD'),
  })
  .strict();
