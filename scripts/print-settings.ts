/** Rewrites the README's configuration table from src/config/settings.ts (`npm run docs:settings`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withSettingsTable } from '../src/config/settings-doc.js';

const target = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(target, withSettingsTable(readFileSync(target, 'utf8')));
console.log(`Wrote the settings table of ${target}`);
