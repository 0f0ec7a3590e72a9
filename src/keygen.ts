import { generateApiKey, sha256 } from './auth/api-keys.js';
import { isScope, SCOPES } from './auth/scopes.js';

/**
 * `npm run keygen [scope+scope]` (or `node dist/keygen.js` in the image): a new random API key, its
 * GATEWAY_API_KEYS entry, and the line to put in GATEWAY_API_KEYS_FILE instead (its digest only).
 */
const scopes = (process.argv[2] ?? 'token:read+wechat:read').split('+');
const unknown = scopes.filter((scope) => !isScope(scope));
if (unknown.length > 0) {
  process.stderr.write(`Unknown scope ${unknown.join(', ')}: use ${SCOPES.join(', ')}, joined by "+".\n`);
  process.exit(1);
}
const key = generateApiKey();
process.stdout.write(
  [
    `key: ${key}`,
    `GATEWAY_API_KEYS entry: ${key}:${scopes.join('+')}`,
    `GATEWAY_API_KEYS_FILE entry: ${JSON.stringify({ sha256: sha256(key).toString('hex'), scopes })}`,
    '',
  ].join('\n'),
);
