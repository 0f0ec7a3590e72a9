import { expect, it } from 'vitest';
import { appOfHoldKey } from '../../src/store/ports.js';

it.each([
  // key, appId (the second part of the key; the key itself without one)
  ['quota:wx0000000000000001:/cgi-bin/token:daily-quota', 'wx0000000000000001'],
  ['negative:wx0000000000000001', 'wx0000000000000001'],
  ['cooldown:wx0000000000000001:token', 'wx0000000000000001'],
  ['nocolon', 'nocolon'],
  ['purpose:', 'purpose:'],
  ['purpose::rest', 'purpose::rest'],
  [':wx0000000000000001', 'wx0000000000000001'],
  ['', ''],
])('the app of hold key %j is %j', (key, appId) => {
  expect(appOfHoldKey(key)).toBe(appId);
  // The rule it keeps: the second of the key's colon-separated parts, or the key when that is empty.
  expect(appOfHoldKey(key)).toBe(key.split(':')[1] || key);
});
