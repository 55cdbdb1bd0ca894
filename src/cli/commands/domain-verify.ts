/**
 * `pbxsync domain verify FILE [--wait DURATION] [--dns-server HOST:PORT]...`: the first step of
 * onboarding a customer domain. Prints the TXT record the customer's DNS admin must create
 * (derived from the master key, so it is the same on every run), looks it up, and says what
 * was found and what to do next. Exit 0 when verified (or the domain is in the ISP's
 * namespace), 1 otherwise. The result goes to stdout; the waiting notice and warnings to
 * stderr, the progress line only on a terminal.
 */
import type { Command } from 'commander';
import type { Logger } from '../../app/logger.js';
import { loadWithoutSecrets } from '../../app/load-without-secrets.js';
import { recordText, VERIFICATION_LABEL, verificationRecord, type VerificationRecord } from '../../credentials/domain-token.js';
import { loadMasterKey } from '../../credentials/master-key.js';
import { nextStep } from '../../dns/next-step.js';
import { DEFAULT_SCHEDULE, pollUntil, type PollSchedule, type PollStatus } from '../../dns/poll.js';
import { spanText } from '../../dns/seconds.js';
import { checkSipRecords } from '../../dns/sip-records.js';
import { isVerified, namespaceOf, verifyDomain, type DomainState, type DomainVerification } from '../../dns/verify-domain.js';
import { loadIspPolicy } from '../../policy/load-isp-config.js';
import { terminalText } from '../../render/safe-text.js';
import type { Style } from '../../render/style.js';
import { EXIT_ERROR, EXIT_OK } from '../exit-codes.js';
import type { GlobalOptions } from '../main.js';
import { out, stderrLogger, styleFor } from '../output.js';
import { progressDisplay } from '../progress.js';

export interface DomainVerifyOptions {
  /** Milliseconds to keep checking (`--wait`). */
  readonly wait?: number;
  readonly dnsServer?: string[];
  /** First pause between checks (hidden `--poll-interval`, for tests); later ones grow to 12 times it, at most 60 s. */
  readonly pollInterval?: number;
}

interface Waited {
  readonly forMs: number;
  readonly attempts: number;
}

const LABEL: Readonly<Record<DomainState, string>> = {
  verified: 'Verified',
  namespace: 'No record needed',
  missing: 'Not found',
  'wrong-value': 'Wrong value',
  failure: 'DNS failure',
};

export default async function domainVerify(file: string, options: DomainVerifyOptions, command: Command): Promise<number> {
  const style = styleFor(process.stdout, command.optsWithGlobals<GlobalOptions>().color);
  const log = stderrLogger();
  const config = await loadWithoutSecrets(file, log);
  const key = loadMasterKey(process.env);
  const policy = await loadIspPolicy(process.env);
  const servers = options.dnsServer !== undefined && options.dnsServer.length > 0 ? options.dnsServer : policy.dns.servers;
  const domain = config.domain;
  if (namespaceOf(policy, domain) === undefined) printRecord(verificationRecord(key.key, domain), domain, style);
  const check = () => verifyDomain(key.key, domain, policy, servers);
  const { result, waited } =
    options.wait === undefined ? { result: await check(), waited: undefined } : await waitFor(check, options.wait, scheduleOf(options), log);
  printOutcome(result, file, waited, style);
  if (!isVerified(result)) return EXIT_ERROR;
  for (const w of await checkSipRecords(domain, policy.registrarHosts, { servers, timeoutMs: policy.dns.timeoutMs })) log.warn(`warning: ${w}`);
  return EXIT_OK;
}

/** The record in the forms DNS admins meet: a provider's form (name, type, value) and a zone-file line. */
function printRecord(record: VerificationRecord, domain: string, style: Style): void {
  const d = terminalText(domain);
  out(`To verify the domain ${d}, the customer's DNS admin creates this DNS record:\n\n`);
  out(`  ${style.bold(`${record.name} ${record.type} "${record.value}"`)}\n\n`);
  // DNS providers' forms ask for the parts; many want the name relative to the zone.
  out(`  name:  ${record.name}   (a form for the zone ${d} may want just ${VERIFICATION_LABEL})\n`);
  out(`  type:  ${record.type}\n  value: ${record.value}\n`);
  out(`  zone file line: ${recordText(record)}\n\n`);
}

function printOutcome(v: DomainVerification, file: string, waited: Waited | undefined, style: Style): void {
  const ok = isVerified(v);
  const after = waited !== undefined && !ok ? ` after waiting ${spanText(waited.forMs)} (${waited.attempts} check${waited.attempts === 1 ? '' : 's'})` : '';
  out(`${(ok ? style.add : style.remove)(LABEL[v.state])}${after}: ${terminalText(v.detail)}.\n`);
  const again =
    (v.state === 'missing' || v.state === 'wrong-value') && waited === undefined
      ? `; to wait for it: pbxsync domain verify ${terminalText(file)} --wait 1h`
      : '';
  out(`Next: ${terminalText(nextStep(v))}${again}.\n`);
}

function scheduleOf(options: DomainVerifyOptions): PollSchedule {
  const first = options.pollInterval;
  return first === undefined ? DEFAULT_SCHEDULE : { firstMs: first, maxMs: Math.max(first, Math.min(DEFAULT_SCHEDULE.maxMs, first * 12)) };
}

/**
 * Checks until verified or `forMs` is up. One notice on stderr when the first check fails (so a
 * CI log says why the job is waiting), then a status line only on a terminal (progress.ts).
 */
async function waitFor(
  check: () => Promise<DomainVerification>,
  forMs: number,
  schedule: PollSchedule,
  log: Logger,
): Promise<{ result: DomainVerification; waited: Waited }> {
  const line = progressDisplay().task('domain verification');
  const onPending = (v: DomainVerification, status: PollStatus): void => {
    if (status.attempt === 1)
      log.info(
        `Not verified yet (${LABEL[v.state].toLowerCase()}); checking again for up to ${spanText(forMs)}, every ${spanText(schedule.firstMs)} at first, then less often (up to every ${spanText(schedule.maxMs)}).`,
      );
    line.status(
      `${v.record.name}: ${LABEL[v.state].toLowerCase()} (check ${status.attempt}; next in ${spanText(status.nextInMs)}, ${spanText(status.remainingMs)} left)`,
    );
  };
  const polled = await pollUntil(check, isVerified, { forMs, schedule, onPending }).finally(() => line.finish());
  return { result: polled.result, waited: { forMs, attempts: polled.attempts } };
}
