import { loadConfig } from '../../config/index.js';
import { openAuditLog } from '../../connectors/audit/index.js';
import { connectNats } from '../../connectors/nats/index.js';
import { issueKey, KvKeyStore, revokeKey, ROLES, type KeyAuditContext, type Role } from '../../api/auth/index.js';
import type { Command } from '../command.js';

export const keys: Command = {
  name: 'keys',
  summary: 'Issue, list or revoke API keys (only their sha256 is stored; the token is shown once).',
  usage: 'keys issue --role ROLE [--township ID]... [--site ID]... | keys list | keys revoke KEY_ID',
  help: `
  issue       print a new token: integration (push updates), caseworker (needs --township, repeatable),
              analyst (aggregates only), admin, site (an alliance site's orders: needs --site S<region id>, repeatable)
  list        issued keys: id, role, townships, created, revoked
  revoke      mark a key revoked; every API node refuses it within seconds
  Keys live in the JetStream KV bucket at config stream.keysBucket (NATS at nats.url), watched by every
  API node; issuing and revoking each write a row to the audit stream (stream.auditName), actor "system".`,
  flags: { role: { type: 'string' }, township: { type: 'string', multiple: true }, site: { type: 'string', multiple: true } },
  async run({ values, positionals }) {
    const [action, arg] = positionals;
    if (action !== 'issue' && action !== 'list' && action !== 'revoke') throw new Error(`expected issue, list or revoke, got ${JSON.stringify(action ?? '')}`);
    const role = values['role'] as string | undefined;
    if (action === 'issue' && (!role || !(ROLES as readonly string[]).includes(role))) throw new Error(`--role: expected one of ${ROLES.join(', ')}`);
    if (action === 'revoke' && !arg) throw new Error('revoke: name the KEY_ID (see `lifeline keys list`)');
    const config = loadConfig();
    const nc = await connectNats(config.nats);
    let keyStore: KvKeyStore | null = null;
    try {
      keyStore = await KvKeyStore.open(nc, { bucket: config.stream.keysBucket, replicas: config.stream.replicas });
      if (action === 'list') {
        for (const r of keyStore.list().sort((a, b) => a.createdAt - b.createdAt)) {
          console.log(`${r.id}  ${r.role.padEnd(11)}  ${(r.townships.join(',') || '-').padEnd(20)}  created ${new Date(r.createdAt).toISOString()}${r.revokedAt ? `  revoked ${new Date(r.revokedAt).toISOString()}` : ''}`);
        }
        return 0;
      }
      const audit: KeyAuditContext = { log: await openAuditLog(nc, config), actor: 'system', role: null, requestId: `cli:${process.pid}:${Date.now()}` };
      if (action === 'issue') {
        // a site key's scope is its sites, kept where a caseworker's townships are
        const scope = role === 'site' ? ((values['site'] as string[] | undefined) ?? []) : ((values['township'] as string[] | undefined) ?? []);
        const issued = await issueKey(role as Role, scope, { store: keyStore, audit });
        console.log(issued.token);
        console.error(`issued ${issued.record.id} (${role}${issued.record.townships.length ? `: ${issued.record.townships.join(', ')}` : ''}); the token above is the only copy`);
        return 0;
      }
      const done = await revokeKey(keyStore, arg!, Date.now(), audit);
      console.log(done ? `revoked ${arg}` : `no key ${arg}`);
      return done ? 0 : 1;
    } finally {
      keyStore?.close();
      await nc.drain();
    }
  },
};
