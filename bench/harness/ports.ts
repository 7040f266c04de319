import { createServer, type Server } from 'node:net';

/**
 * `n` distinct free loopback ports. All listeners are open together, so one call never hands out
 * the same port twice (separate one-port calls can: a port closed by the first is free again for
 * the second).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** One loopback port free right now. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
