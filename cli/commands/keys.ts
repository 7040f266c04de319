import { loadConfig } from '../../config/index.js';
import { openStore } from '../../workers/store/index.js';
import { issueKey, LmdbKeyStore, revokeKey, ROLES, type Role } from '../../api/auth/index.js';
import type { Command } from '../command.js';

export const keys: Command = {
  name: 'keys',
  summary: 'Issue, list or revoke API keys (only their sha256 is stored; the token is shown once).',
  usage: 'keys issue --role ROLE [--township ID]... | keys list | keys revoke KEY_ID',
  help: `
  issue       print a new token: integration (push updates), caseworker (needs --township, repeatable),
              analyst (aggregates only), admin
  list        issued keys: id, role, townships, created, revoked
  revoke      mark a key revoked; requests with it get 401 from then on
  Keys live in the LMDB environment at config lmdb.path, read by the API.`,
  flags: { role: { type: 'string' }, township: { type: 'string', multiple: true } },
  async run({ values, positionals }) {
    const [action, arg] = positionals;
    const config = loadConfig();
    const store = openStore({ path: config.lmdb.path, noSync: false, mapSizeGiB: config.lmdb.mapSizeGib });
    const keyStore = new LmdbKeyStore(store.env);
    try {
      if (action === 'issue') {
        const role = values['role'] as string | undefined;
        if (!role || !(ROLES as readonly string[]).includes(role)) throw new Error(`--role: expected one of ${ROLES.join(', ')}`);
        const issued = await issueKey(role as Role, (values['township'] as string[] | undefined) ?? [], { store: keyStore });
        console.log(issued.token);
        console.error(`issued ${issued.record.id} (${role}${issued.record.townships.length ? `: ${issued.record.townships.join(', ')}` : ''}); the token above is the only copy`);
        return 0;
      }
      if (action === 'list') {
        for (const r of keyStore.list()) {
          console.log(`${r.id}  ${r.role.padEnd(11)}  ${(r.townships.join(',') || '-').padEnd(20)}  created ${new Date(r.createdAt).toISOString()}${r.revokedAt ? `  revoked ${new Date(r.revokedAt).toISOString()}` : ''}`);
        }
        return 0;
      }
      if (action === 'revoke') {
        if (!arg) throw new Error('revoke: name the KEY_ID (see `lifeline keys list`)');
        const done = await revokeKey(keyStore, arg);
        console.log(done ? `revoked ${arg}` : `no key ${arg}`);
        return done ? 0 : 1;
      }
      throw new Error(`expected issue, list or revoke, got ${JSON.stringify(action ?? '')}`);
    } finally {
      await store.close();
    }
  },
};
