import { generateApiKey, sha256 } from './auth/api-keys.js';
import { isScope, SCOPES } from './auth/scopes.js';

/**
 * `npm run keygen [-- scope+scope]` (or `node dist/keygen.js [scope+scope]` in the image): a new random
 * API key, its GATEWAY_API_KEYS entry, and the line to put in GATEWAY_API_KEYS_FILE instead (its digest
 * only). `--help` prints the usage.
 */

const DEFAULT_SCOPES = 'token:read+wechat:read';

const USAGE = [
  'Usage: npm run keygen [-- <scope+scope>]   (in the image: node dist/keygen.js [<scope+scope>])',
  '',
  'Prints a new random API key, its GATEWAY_API_KEYS entry, and its GATEWAY_API_KEYS_FILE line (the',
  "key's SHA-256 digest only).",
  '',
  `  <scope+scope>  what the key may do, joined by "+" (default ${DEFAULT_SCOPES}):`,
  `                 ${SCOPES.join(', ')}`,
  '',
  'To limit the key to some apps, append ":wxAPPID+wxAPPID" to its GATEWAY_API_KEYS entry, or add',
  '"appIds": ["wxAPPID"] to its GATEWAY_API_KEYS_FILE line. To limit it to every authorizer of an Open',
  'Platform component, append ":component=wxCOMPONENTAPPID" (or add "componentAppIds": ["wx…"]).',
  '',
  'Example: npm run keygen -- jssdk:sign',
  '',
].join('\n');

function refuse(problem: string): never {
  process.stderr.write(`${problem}\n\n${USAGE}`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.some((arg) => arg === '--help' || arg === '-h' || arg === 'help')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const option = args.find((arg) => arg.startsWith('-'));
if (option !== undefined) refuse(`Unknown option ${option}.`);
if (args.length > 1) refuse(`Expected one argument, the scopes joined by "+" (got ${args.length}).`);

const scopes = (args[0] ?? DEFAULT_SCOPES).split('+');
const unknown = scopes.filter((scope) => !isScope(scope));
if (unknown.length > 0) {
  refuse(`Unknown scope ${unknown.join(', ')}: use ${SCOPES.join(', ')}, joined by "+".`);
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
