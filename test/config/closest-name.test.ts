import { describe, expect, it } from 'vitest';
import { closestName, editDistance, isNearMiss } from '../../src/config/closest-name.js';
import { SETTINGS } from '../../src/config/settings.js';

const SETTING_NAMES = Object.keys(SETTINGS);
const APP_KEYS = ['appId', 'appSecret', 'name', 'tokenMode', 'jsSdkDomains', 'jsSdkHttpsOnly'];

describe('editDistance', () => {
  it.each([
    ['REDIS_URI', 'REDIS_URL', 1],
    ['WECHAT_APPID', 'WECHAT_APP_ID', 1],
    ['tokenmode', 'tokenMode', 0],
    ['REDIS_ULR', 'REDIS_URL', 1],
    ['REDIS_PORT', 'REDIS_URL', 3],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['same', 'same', 0],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('isNearMiss', () => {
  it.each([
    ['REDIS_URI', 'REDIS_URL', true],
    ['WECHAT_APPID', 'WECHAT_APP_ID', true],
    ['TOKEN_REFRESH_MARGIN', 'TOKEN_REFRESH_MARGIN_SECONDS', true],
    ['TOKEN_REFRESH_MARGIN_MS', 'TOKEN_REFRESH_MARGIN_SECONDS', true],
    ['WECHAT_TIMEOUT', 'WECHAT_TIMEOUT_MS', true],
    ['GATEWAY_API_KEY', 'GATEWAY_API_KEYS', true],
    ['redis_url', 'REDIS_URL', true],
    ['tokenmode', 'tokenMode', true],
    ['REDIS_URL', 'REDIS_URL', false],
    // Two edits in a short name are another name: REDIS_TLS is no REDIS_URL.
    ['REDIS_TLS', 'REDIS_URL', false],
    ['REDIS_PORT', 'REDIS_URL', false],
    ['REDIS_HOST', 'REDIS_TLS', false],
    ['REDIS_SERVICE_HOST', 'REDIS_SENTINELS', false],
    ['REDIS_PORT_6379_TCP_ADDR', 'REDIS_PASSWORD', false],
    ['NODE_VERSION', 'NODE_ENV', false],
  ])('%s of %s: %s', (name, candidate, near) => {
    expect(isNearMiss(name, candidate)).toBe(near);
  });
});

describe('closestName', () => {
  it.each([
    ['REDIS_URI', SETTING_NAMES, 'REDIS_URL'],
    ['WECHAT_APPID', SETTING_NAMES, 'WECHAT_APP_ID'],
    ['WECHAT_API_BASE_URL', SETTING_NAMES, 'WECHAT_API_BASE'],
    // The unit rule wins over fewer edits elsewhere.
    ['TOKEN_REFRESH_MARGIN', SETTING_NAMES, 'TOKEN_REFRESH_MARGIN_SECONDS'],
    ['GATEWAY_API_KEY', SETTING_NAMES, 'GATEWAY_API_KEYS'],
    ['tokenmode', APP_KEYS, 'tokenMode'],
    ['appid', APP_KEYS, 'appId'],
    ['secret', APP_KEYS, 'appSecret'],
    ['jsSdkHttps', APP_KEYS, 'jsSdkHttpsOnly'],
    ['sha', ['sha256', 'scopes', 'appIds', 'name'], 'sha256'],
  ])('%s → %s', (name, candidates, closest) => {
    expect(closestName(name, candidates)).toBe(closest);
  });

  it('has no answer without candidates, and takes the earlier of two as close', () => {
    expect(closestName('x', [])).toBeUndefined();
    expect(closestName('ab', ['aa', 'bb'])).toBe('aa');
  });
});
