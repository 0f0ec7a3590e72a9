/**
 * Writes schema/schema.graphql from the code (`npm run schema:print`): sorted, so the file changes only
 * when the schema does, and with directives such as @specifiedBy kept. test/graphql/schema-file.test.ts
 * fails when the committed file drifts from the code.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSDL } from '../src/graphql/print-sdl.js';

const target = fileURLToPath(new URL('../schema/schema.graphql', import.meta.url));
writeFileSync(target, printSDL());
console.log(`Wrote ${target}`);
