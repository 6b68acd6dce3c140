import { createHash } from 'node:crypto';
import { extractApiKey, generateApiKey, hashApiKey, visiblePrefix } from './api-key-secret';

describe('API key secrets', () => {
  it('generates distinct url-safe keys with 192 random bits', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateApiKey));
    expect(keys.size).toBe(1000);
    for (const key of keys) {
      expect(key).toMatch(/^cft_[A-Za-z0-9_-]{32}$/);
    }
  });

  it('hashes with SHA-256 and keeps a short visible prefix', () => {
    expect(hashApiKey('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(visiblePrefix('cft_ABCDEFGHijklmnopqrstuvwxyz012345')).toBe('cft_ABCDEFGH');
    expect(visiblePrefix('0123456789abcdefghijklmn')).toBe('01234567');
  });

  it('reads the key from x-api-key, Bearer or the Basic password', () => {
    expect(extractApiKey({ 'x-api-key': 'k1' })).toBe('k1');
    expect(extractApiKey({ authorization: 'Bearer k2' })).toBe('k2');
    expect(extractApiKey({ authorization: 'bearer   k3  ' })).toBe('k3');
    expect(
      extractApiKey({ authorization: `Basic ${Buffer.from('admin:k4').toString('base64')}` }),
    ).toBe('k4');
    expect(extractApiKey({ 'x-api-key': 'k5', authorization: 'Bearer other' })).toBe('k5');
    expect(extractApiKey({ authorization: 'Token k6' })).toBeUndefined();
    expect(extractApiKey({ authorization: 'Bearer' })).toBeUndefined();
    expect(extractApiKey({ 'x-api-key': '' })).toBeUndefined();
    expect(extractApiKey({})).toBeUndefined();
  });
});
