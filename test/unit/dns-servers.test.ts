/** `--dns-server` and `dns.servers` entries: addresses, ports, IPv6 in brackets or bare, names; anything else a one-line error. */
import { describe, expect, it } from 'vitest';
import { parseServer, resolveEndpoints } from '../../src/dns/servers.js';
import { UserError } from '../../src/errors.js';

describe('parseServer', () => {
  it.each([
    ['192.0.2.53', { host: '192.0.2.53', port: 53 }],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['[::1]:5353', { host: '::1', port: 5353 }],
    ['[2001:db8::53]', { host: '2001:db8::53', port: 53 }],
    ['2001:db8::53', { host: '2001:db8::53', port: 53 }],
    ['ns1.example.net', { host: 'ns1.example.net', port: 53 }],
    ['ns1.example.net.:5300', { host: 'ns1.example.net', port: 5300 }],
  ])('%s', (text, expected) => {
    expect(parseServer(text)).toEqual(expected);
  });

  it.each(['', 'a b', '127.0.0.1:0', '127.0.0.1:65536', '[ns1.example.net]:53', 'http://192.0.2.1', '192.0.2.1:53:53'])('refuses %j', (text) => {
    expect(() => parseServer(text)).toThrow(UserError);
  });
});

describe('resolveEndpoints', () => {
  it('keeps addresses as given, in order, IPv6 in brackets', async () => {
    const { endpoints, problems } = await resolveEndpoints(['192.0.2.1', '[::1]:5353'], 1000);
    expect(endpoints).toEqual([
      { label: '192.0.2.1:53', address: '192.0.2.1:53' },
      { label: '[::1]:5353', address: '[::1]:5353' },
    ]);
    expect(problems).toEqual([]);
  });

  it('looks names up (localhost), and names a server whose name does not resolve', async () => {
    const { endpoints, problems } = await resolveEndpoints(['localhost:5300', 'no-such-host.invalid'], 2000);
    expect(endpoints.map((e) => e.label)).toContain('localhost:5300 (127.0.0.1)');
    expect(problems).toEqual([{ server: 'no-such-host.invalid:53', what: expect.stringMatching(/^its name (does not resolve|did not resolve within)/) }]);
  });

  it('an empty list is the system resolvers', async () => {
    const { endpoints } = await resolveEndpoints([], 1000);
    expect(endpoints.length).toBeGreaterThan(0);
  });
});
