import { describe, expect, it } from 'vitest';
import { isSameService, serviceHostNames } from '../../src/directory/azure/same-service.js';

describe('isSameService', () => {
  it.each([
    ['https://graph.microsoft.com/v1.0/users?$skiptoken=x', 'https://graph.microsoft.com', true],
    ['https://graph.microsoft.com:443/v1.0/users', 'https://graph.microsoft.com', true],
    ['https://localhost:8443/v1.0/users', 'https://127.0.0.1:8443', true],
    ['https://localhost:8444/v1.0/users', 'https://127.0.0.1:8443', false],
    ['http://localhost:8443/v1.0/users', 'https://127.0.0.1:8443', false],
    ['https://graph.microsoft.us/v1.0/users', 'https://graph.microsoft.com', false],
    ['https://evil.example/v1.0/users', 'https://127.0.0.1:8443', false],
  ])('%s on %s: %s', (url, origin, same) => {
    expect(isSameService(url, origin)).toBe(same);
  });

  it('names every loopback alias for a local endpoint, only the host otherwise', () => {
    expect(serviceHostNames('https://127.0.0.1:8443')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(serviceHostNames('https://graph.microsoft.us')).toEqual(['graph.microsoft.us']);
  });
});
