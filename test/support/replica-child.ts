import { createInterface } from 'node:readline';
import { GatewayError } from '../../src/errors.js';
import { redact, tokenFingerprint } from '../../src/redact.js';
import { type ReplicaSpec, startReplica } from './replica.js';

/**
 * A gateway replica in its own process, so a test can SIGKILL it mid-fetch (`replica-process.ts` spawns it).
 * Spec: the `REPLICA_SPEC` environment variable (JSON `ReplicaSpec`). Protocol: JSON lines; stdin takes
 * `{ id, op: 'getToken' | 'refresh' | 'ticket', appId }` (`ticket`: the app's jsapi ticket), stdout answers `{ ready: true }` once connected, then
 * `{ id, ok: true, fingerprint, expiresAt }` or `{ id, ok: false, code, message }` per request.
 * Tokens are named by fingerprint only, as in any log line.
 */

interface Request {
  id: number;
  op: 'getToken' | 'refresh' | 'ticket';
  appId: string;
}

const rawSpec = process.env.REPLICA_SPEC;
if (!rawSpec) throw new Error('replica-child: set REPLICA_SPEC to a JSON ReplicaSpec');
const spec = JSON.parse(rawSpec) as ReplicaSpec;
const replica = await startReplica(spec);

function send(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function answer({ id, op, appId }: Request): Promise<void> {
  try {
    const token =
      op === 'refresh'
        ? await replica.manager.refresh(appId, { force: true })
        : op === 'ticket'
          ? await replica.manager.tickets.get(appId, 'jsapi')
          : await replica.manager.getToken(appId);
    send({ id, ok: true, fingerprint: tokenFingerprint(token.value), expiresAt: token.expiresAt });
  } catch (error) {
    const code = error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
    send({ id, ok: false, code, message: redact(error instanceof Error ? error.message : String(error)) });
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => void answer(JSON.parse(line) as Request));
lines.on('close', () => void replica.close().then(() => process.exit(0)));
send({ ready: true });
