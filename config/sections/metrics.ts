import { z } from 'zod';

/**
 * Who may read `/metrics`. Default (as before): on the API's own host and port, no token. A
 * token makes scrapes send `Authorization: Bearer <token>`; a port moves `/metrics` to a listener
 * of its own (then the API port answers 404 for it), e.g. on an interface only Prometheus reaches.
 */
export const MetricsSection = z
  .object({
    token: z.string().min(16).max(256).optional().describe('Bearer token Prometheus must send to read /metrics (at least 16 characters; default: none, anyone who reaches the port may read it).'),
    host: z.string().min(1).optional().describe('Interface of the separate metrics listener (default: api.host); used only with metrics.port.'),
    port: z.number().int().min(0).max(65535).optional().describe('Serve /metrics on this port instead of the API port (0 picks a free one; default: on the API port).'),
  })
  .strict();
