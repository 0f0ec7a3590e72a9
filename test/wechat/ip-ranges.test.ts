import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  findRange,
  normaliseAddress,
  parseAddress,
  parseIpRange,
  parseIpRanges,
} from '../../src/net/ip-ranges.js';

describe('parseIpRange', () => {
  it.each([
    ['101.226.62.77', { cidr: '101.226.62.77/32', address: '101.226.62.77', prefixLength: 32, version: 4 }],
    [
      '101.226.103.0/25',
      { cidr: '101.226.103.0/25', address: '101.226.103.0', prefixLength: 25, version: 4 },
    ],
    [
      '101.226.103.77/25',
      { cidr: '101.226.103.0/25', address: '101.226.103.0', prefixLength: 25, version: 4 },
    ],
    [
      '240e:e1:a800:120::/64',
      { cidr: '240e:e1:a800:120::/64', address: '240e:e1:a800:120::', prefixLength: 64, version: 6 },
    ],
    ['2001:DB8::1', { cidr: '2001:db8::1/128', address: '2001:db8::1', prefixLength: 128, version: 6 }],
    [
      '::ffff:101.226.62.77',
      { cidr: '101.226.62.77/32', address: '101.226.62.77', prefixLength: 32, version: 4 },
    ],
    ['0.0.0.0/0', { cidr: '0.0.0.0/0', address: '0.0.0.0', prefixLength: 0, version: 4 }],
  ])('%s', (entry, range) => {
    expect(parseIpRange(entry)).toEqual(range);
  });

  it.each([
    '',
    'not-an-ip',
    '1.2.3',
    '1.2.3.4/33',
    '1.2.3.4/',
    '1.2.3.4/x',
    '::1/129',
    '0x7f.1',
    '127.1',
    '1.2.3.4/24/1',
    'fe80::1%eth0',
  ])('refuses %j', (entry) => {
    expect(parseIpRange(entry)).toBeUndefined();
  });

  it('skips entries that are not ranges', () => {
    expect(parseIpRanges(['1.2.3.4', 'junk', '10.0.0.0/8']).map((r) => r.cidr)).toEqual([
      '1.2.3.4/32',
      '10.0.0.0/8',
    ]);
  });
});

describe('findRange', () => {
  const ranges = parseIpRanges(['101.226.62.77', '101.226.103.0/25', '240e:e1:a800:120::/64']);
  const find = (ip: string) => {
    const address = parseAddress(ip);
    if (!address) throw new Error(`not an address: ${ip}`);
    return findRange(address, ranges)?.cidr;
  };

  it.each([
    ['101.226.62.77', '101.226.62.77/32'],
    ['101.226.62.78', undefined],
    ['101.226.103.0', '101.226.103.0/25'],
    ['101.226.103.127', '101.226.103.0/25'],
    ['101.226.103.128', undefined],
    ['::ffff:101.226.103.5', '101.226.103.0/25'],
    ['::FFFF:101.226.62.77', '101.226.62.77/32'],
    ['240e:e1:a800:120::9', '240e:e1:a800:120::/64'],
    ['240e:e1:a800:121::9', undefined],
  ])('%s is in %s', (ip, cidr) => {
    expect(find(ip)).toBe(cidr);
  });

  it('does not mistake an IPv4 range for an IPv6 one of the same bytes', () => {
    expect(findRange(ipaddr.parse('::101.226.62.77'), ranges)).toBeUndefined();
  });
});

describe('normaliseAddress', () => {
  it.each([
    ['::ffff:1.2.3.4', '1.2.3.4'],
    [' 1.2.3.4 ', '1.2.3.4'],
    ['2001:0DB8:0000::0001', '2001:db8::1'],
    ['1.2.3.04', undefined],
    ['1.2.3.4/32', undefined],
    ['example.com', undefined],
  ])('%j → %j', (text, normalised) => {
    expect(normaliseAddress(text)).toBe(normalised);
  });
});
