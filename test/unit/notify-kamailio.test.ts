import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/app/logger.js';
import { notifyKamailio } from '../../src/app/notify-kamailio.js';
import { makePlan } from '../../src/core/make-plan.js';
import type { KamailioControl } from '../../src/kamailio/control.js';
import { KamailioError } from '../../src/kamailio/kamailio-error.js';
import { EMPTY_STORED_STATE } from '../../src/model/stored-state.js';
import type { KamailioControlConfig } from '../../src/policy/isp-policy.js';
import { KEY_ID, applyPlan, config, emptyPbx, fakeCredentials, user } from '../support/builders.js';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), progress: () => undefined };
}

const alice = user('Alice Adams');
const bob = user('Bob Brown');
const first = makePlan({ config: config(), directory: [alice, bob], pbx: emptyPbx(), stored: EMPTY_STORED_STATE, credentials: fakeCredentials, keyId: KEY_ID });
const afterFirst = applyPlan(emptyPbx(), first);
/** bob leaves: one ul.rm. */
const leaver = makePlan({ config: config(), directory: [alice], pbx: afterFirst, stored: first.nextState, credentials: fakeCredentials, keyId: KEY_ID });
const nothing = makePlan({ config: config(), directory: [alice, bob], pbx: afterFirst, stored: first.nextState, credentials: fakeCredentials, keyId: KEY_ID });

const CONFIG: KamailioControlConfig = {
  jsonrpcUrl: 'http://127.0.0.1:5071/RPC',
  ctlSocket: 'unix:/run/kamailio/kamailio_ctl',
  kamcmd: 'kamcmd',
  timeoutMs: 5000,
};

describe('notifyKamailio', () => {
  it('without a kamailio section: sends nothing, and prints once what to run by hand', async () => {
    const log = recorder();
    const opened: unknown[] = [];
    expect(await notifyKamailio(first, null, log, (c) => (opened.push(c), null as never))).toEqual({ commands: 1, failed: 0 });
    expect(opened).toEqual([]);
    expect(log.lines).toEqual([
      'info note: Kamailio was not told about this apply (the ISP configuration has no kamailio section); to make it follow now, run:\n  kamcmd domain.reload',
    ]);
  });

  it('prints nothing at all when there is nothing to tell', async () => {
    const log = recorder();
    expect(await notifyKamailio(nothing, null, log)).toEqual({ commands: 0, failed: 0 });
    expect(
      await notifyKamailio(nothing, CONFIG, log, () => {
        throw new Error('must not connect');
      }),
    ).toEqual({ commands: 0, failed: 0 });
    expect(log.lines).toEqual([]);
  });

  it('says what it told Kamailio', async () => {
    const log = recorder();
    const control: KamailioControl = { label: 'test', runAll: async (cs) => cs.map((command) => ({ command, ok: true as const, result: {} })) };
    expect(await notifyKamailio(leaver, CONFIG, log, () => control)).toEqual({ commands: 1, failed: 0 });
    expect(log.lines).toEqual(['info told Kamailio: ul.rm for 1 address (their registrations, if any, ended)']);
  });

  it('warns with one line per failed command: the kamcmd command to run by hand, and why', async () => {
    const log = recorder();
    const refused = new KamailioError("cannot connect to Kamailio's JSON-RPC at http://127.0.0.1:5071/RPC (connection refused)", 'is Kamailio running?');
    const control: KamailioControl = { label: 'test', runAll: async (cs) => cs.map((command) => ({ command, ok: false as const, error: refused })) };
    expect(await notifyKamailio(leaver, CONFIG, log, () => control)).toEqual({ commands: 1, failed: 1 });
    expect(log.lines).toEqual([
      [
        'warn warning: the PBX was updated, but Kamailio was not told (1 of 1 command failed); run by hand:',
        "  kamcmd -s unix:/run/kamailio/kamailio_ctl ul.rm location bob.brown@acme.com  # cannot connect to Kamailio's JSON-RPC at http://127.0.0.1:5071/RPC (connection refused)",
        '  hint: is Kamailio running?',
      ].join('\n'),
    ]);
  });

  it('reports a control that cannot even be opened (a bad URL) as every command failed', async () => {
    const log = recorder();
    expect(await notifyKamailio(leaver, { ...CONFIG, jsonrpcUrl: 'http://[bad' }, log)).toEqual({ commands: 1, failed: 1 });
    expect(log.lines[0]).toMatch(
      /^warn warning: the PBX was updated, but Kamailio was not told \(1 of 1 command failed\); run by hand:\n {2}kamcmd -s unix:\/run\/kamailio\/kamailio_ctl ul\.rm location bob\.brown@acme\.com {2}# kamailio\.jsonrpc_url is not an http\(s\) URL: http:\/\/\[bad\n {2}hint: e\.g\. /,
    );
  });
});
