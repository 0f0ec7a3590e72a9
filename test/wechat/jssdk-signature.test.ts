import { describe, expect, it } from 'vitest';
import { hostInDomain, MAX_PAGE_URL_LENGTH, pageUrlToSign } from '../../src/jssdk/page-url.js';
import { cardSignature, jsSdkSignature, randomNonceStr } from '../../src/jssdk/signature.js';

describe('jsSdkSignature', () => {
  it("matches WeChat's documented example (JS-SDK docs, appendix 1)", () => {
    expect(
      jsSdkSignature({
        jsapiTicket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
        nonceStr: 'Wm3WZYTPz0wzccnW',
        timestamp: 1414587457,
        url: 'http://mp.weixin.qq.com?params=value',
      }),
    ).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });

  it('changes with every input', () => {
    const base = { jsapiTicket: 't', nonceStr: 'n', timestamp: 1, url: 'https://a.example/' };
    const signatures = new Set([
      jsSdkSignature(base),
      jsSdkSignature({ ...base, jsapiTicket: 'u' }),
      jsSdkSignature({ ...base, nonceStr: 'm' }),
      jsSdkSignature({ ...base, timestamp: 2 }),
      jsSdkSignature({ ...base, url: 'https://a.example/x' }),
    ]);
    expect(signatures.size).toBe(5);
  });
});

describe('cardSignature', () => {
  it("matches wechatpy's card signer vector (sorted values, concatenated, sha1)", () => {
    expect(cardSignature(['789', '456', '123'])).toBe('f7c3bc1d808e04732adf679965ccc34ca7ae3441');
  });

  it('sorts values, so their order does not matter, and leaves out empty ones', () => {
    const one = cardSignature(['ticket', 1414587457, 'nonce', 'pCard', undefined, '']);
    expect(cardSignature(['pCard', 'nonce', 1414587457, 'ticket'])).toBe(one);
  });
});

describe('randomNonceStr', () => {
  it('is 16 letters or digits and differs per call', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => randomNonceStr()));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9]{16}$/);
  });
});

describe('pageUrlToSign', () => {
  it.each([
    ['http://mp.weixin.qq.com?params=value', 'http://mp.weixin.qq.com?params=value'],
    ['https://shop.example.com/p/1?x=1#/cart', 'https://shop.example.com/p/1?x=1'],
    ['https://shop.example.com/#', 'https://shop.example.com/'],
    ['HTTPS://Shop.Example.com/a', 'HTTPS://Shop.Example.com/a'],
  ])('signs %s as %s (fragment cut, otherwise untouched)', (url, signed) => {
    expect(pageUrlToSign(url)).toBe(signed);
  });

  it.each([
    [''],
    ['/relative/path'],
    ['mp.weixin.qq.com/page'],
    ['ftp://files.example.com/'],
    ['javascript:alert(1)'],
    ['http:example.com'],
    ['https://exa mple.com/'],
    ['https://example.com/\n'],
    ['https://evil.example@shop.example.com/'],
    ['https://@shop.example.com/'],
    ['https://user:pass@shop.example.com/'],
    ['https://shop.example.com\\@evil.example/'],
    ['https://shop.example.com\\evil/'],
    ['https://'],
    [`https://example.com/${'a'.repeat(MAX_PAGE_URL_LENGTH)}`],
  ])('refuses %j with BAD_USER_INPUT', (url) => {
    expect(() => pageUrlToSign(url)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });

  it('accepts exactly 2048 characters', () => {
    const url = `https://example.com/${'a'.repeat(MAX_PAGE_URL_LENGTH - 20)}`;
    expect(url).toHaveLength(MAX_PAGE_URL_LENGTH);
    expect(pageUrlToSign(url)).toBe(url);
  });

  it('limits hosts to the app’s jsSdkDomains and their subdomains, naming them when refusing', () => {
    const domains = { domains: ['shop.example.com', 'example.org'] };
    expect(pageUrlToSign('https://shop.example.com/a', domains)).toBe('https://shop.example.com/a');
    expect(pageUrlToSign('https://m.example.org:443/a', domains)).toBe('https://m.example.org:443/a');
    expect(() => pageUrlToSign('https://evil.example.net/a', domains)).toThrow(
      /"evil\.example\.net" is not among this app's JS-SDK domains \(shop\.example\.com, example\.org\)/,
    );
    expect(() => pageUrlToSign('https://notexample.org/', domains)).toThrow(/BAD|JS-SDK domains/);
  });

  it.each([
    // [url, jsSdkDomains, signed?]
    ['https://shop.example.com:8443/a', ['shop.example.com'], false],
    ['https://m.shop.example.com:8443/a', ['shop.example.com:8443'], true],
    ['https://shop.example.com/a', ['shop.example.com:8443'], false],
    ['https://shop.example.com:443/a', ['shop.example.com'], true],
    ['https://shop.example.com/a', ['shop.example.com:443'], true],
    ['http://shop.example.com:80/a', ['shop.example.com'], true],
    ['http://shop.example.com:443/a', ['shop.example.com'], false],
    ['http://127.0.0.1:5173/', ['127.0.0.1:5173'], true],
    ['http://127.0.0.1:5174/', ['127.0.0.1:5173'], false],
    ['https://shop.example.com:8443/a', [], true],
  ] as const)(
    'signs %s with jsSdkDomains %j: %s (a port only where an entry names it)',
    (url, domains, signed) => {
      const sign = () => pageUrlToSign(url, { domains: [...domains] });
      if (signed) expect(sign()).toBe(url);
      else expect(sign).toThrow(/port/);
    },
  );

  it('keeps an @ in the path or query and a backslash in the fragment cut off', () => {
    expect(pageUrlToSign('https://shop.example.com/a@b?c=d@e')).toBe('https://shop.example.com/a@b?c=d@e');
    expect(pageUrlToSign('https://shop.example.com/a#x\\y')).toBe('https://shop.example.com/a');
  });

  it('signs only https pages for an app with jsSdkHttpsOnly', () => {
    expect(pageUrlToSign('https://shop.example.com/', { httpsOnly: true })).toBe('https://shop.example.com/');
    expect(() => pageUrlToSign('http://shop.example.com/', { httpsOnly: true })).toThrow(/jsSdkHttpsOnly/);
    expect(pageUrlToSign('http://shop.example.com/', { httpsOnly: false })).toBe('http://shop.example.com/');
  });

  it.each([
    ['a.example.com', 'example.com', true],
    ['example.com', 'example.com', true],
    ['EXAMPLE.com', 'example.COM', true],
    ['badexample.com', 'example.com', false],
    ['example.com.evil.net', 'example.com', false],
  ])('hostInDomain(%s, %s) is %s', (host, domain, inside) => {
    expect(hostInDomain(host, domain)).toBe(inside);
  });
});
