import { SETTINGS } from './settings.js';

/**
 * The README's configuration table, printed from the settings table (`npm run docs:settings`);
 * test/repo/readme.test.ts fails when the README's copy differs.
 */

export const TABLE_START =
  '<!-- settings: printed by `npm run docs:settings` from src/config/settings.ts -->';
export const TABLE_END = '<!-- end of settings -->';

export function printSettingsTable(): string {
  const rows = [
    ['variable', 'meaning', 'default'],
    ...Object.entries(SETTINGS).map(([name, setting]) => [
      `\`${name}\``,
      setting.description,
      setting.shownDefault,
    ]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** `readme` with the text between the markers replaced by the printed table. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${TABLE_START} … ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${printSettingsTable()}\n\n${readme.slice(end)}`;
}
