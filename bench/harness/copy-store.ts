/**
 * Copies an LMDB environment for a second run on the same data. Never a file copy: with
 * `useWritemap` the data file is as long as the whole map (16 GiB, sparse), and a plain copy
 * writes every hole out as zeros (tens of seconds and gigabytes of dirty pages whose writeback
 * then slows every part measured after it). LMDB's own copy writes only the used pages.
 */
import { mkdirSync } from 'node:fs';
import { open } from 'lmdb';

export async function copyStore(from: string, to: string): Promise<void> {
  mkdirSync(to, { recursive: true });
  const env = open({ path: from, readOnly: true });
  try {
    await env.backup(to, false);
  } finally {
    await env.close();
  }
}
