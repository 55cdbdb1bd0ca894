/**
 * The emulator's `latencyMs` (used by bench/): every Graph answer waits, token requests do
 * not, and a waiting request holds up no other. Checked by signals, not by clocks: with a
 * latency far beyond the test's time limit, a delayed answer is one that has not come.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { httpsFetch } from '../../src/directory/azure/https-agent.js';
import type { GraphEmulator } from '../graph-emulator/server.js';
import { acmeEmulator, CLIENT_ID, SECRET, TENANT_ID } from '../support/azure-fixture.js';

let em: GraphEmulator | undefined;
let http: ReturnType<typeof httpsFetch> | undefined;
afterEach(async () => {
  await em?.stop();
  await http?.close();
});

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; !probe(); i++) {
    if (i > 400) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Graph emulator latency', () => {
  it('delays Graph answers but not token requests, side by side', async () => {
    em = await acmeEmulator({ latencyMs: 10 * 60_000 });
    http = httpsFetch(em.caFile, 20 * 60_000);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: SECRET,
      scope: 'https://graph.microsoft.com/.default',
    });
    const tokenAnswer = await http.fetch(`${em.url}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: form });
    expect(tokenAnswer.status).toBe(200);
    const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };

    const settled: string[] = [];
    const get = (path: string) => {
      const answer = http!.fetch(`${em!.url}/v1.0${path}`, { method: 'GET', headers: { authorization: `Bearer ${token}` } });
      answer.then(
        () => settled.push(path),
        () => settled.push(path),
      );
      return answer;
    };
    const slow = [get('/users?$top=5'), get('/domains')];
    // Both arrived: the first one's wait did not hold the second one back.
    await until('both Graph requests to arrive', () => em!.graphRequests().length === 2);
    // A token request is answered meanwhile, while both Graph answers still wait.
    expect((await http.fetch(`${em.url}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: form })).status).toBe(200);
    expect(settled).toEqual([]);

    em.latencyMs = 0;
    expect((await get('/domains')).status).toBe(200);
    expect(settled).toEqual(['/domains']);
    await em.stop();
    em = undefined;
    for (const answer of slow) await expect(answer).rejects.toThrow();
  });
});
