/**
 * The live directory: Microsoft Entra ID through Microsoft Graph. Reads every user (or, with
 * `source.groups`, the transitive members of those groups), incrementally through delta
 * queries when a cache is given, and the verified domains. A read either returns every user
 * or throws: a partial list would turn the users not read into leavers.
 *
 * Group scoping and delta: the delta query covers all users of the directory; group
 * membership is re-read on every run (transitive members, ids only), so a user who leaves a
 * group is a leaver on the next run although delta does not report membership changes.
 */
import type { Logger } from '../app/logger.js';
import type { DirectoryUser } from '../model/directory-user.js';
import { DIRECTORY_USER_FIELDS } from '../model/directory-user.js';
import { deltaSync } from './azure/delta-sync.js';
import { groupMemberIds, readAllUsers, readVerifiedDomains } from './azure/directory-reads.js';
import { GraphApi } from './azure/graph-api.js';
import { httpsFetch } from './azure/https-agent.js';
import { MsalNetworkClient } from './azure/msal-network.js';
import { realClock, RetryBudget, retryPolicy, type RetryClock } from './azure/retry-policy.js';
import { deviceCodeTokenSource } from './azure/device-code-token.js';
import { appTokenSource, type AzureSourceConfig } from './azure/token-source.js';
import type { DirectorySource } from './source.js';

/** Where the delta link and the users it stands for are kept between runs. */
export interface DeltaStore {
  load(): Promise<unknown>;
  save(value: unknown): Promise<void>;
}

export interface AzureSourceOptions {
  /** Notices (delta restarts, retries) go to `warn`. */
  readonly log: Logger;
  /** Given: incremental reads through delta queries (when `source.delta` is on). */
  readonly deltaStore?: DeltaStore;
  /** Sign in as a person through the device-code flow instead of the app's credential. */
  readonly deviceCode?: boolean;
  /** Injectable for tests: sleeps, jitter and the clock of the retry loop (and of the delta cache's age). */
  readonly clock?: RetryClock;
  /** Called after each page of users with the number read so far. */
  readonly onProgress?: (usersRead: number) => void;
}

export class AzureSource implements DirectorySource {
  private readonly api: GraphApi;
  private readonly http: ReturnType<typeof httpsFetch>;

  constructor(
    readonly config: AzureSourceConfig,
    private readonly options: AzureSourceOptions,
  ) {
    this.http = httpsFetch(config.caFile, config.requestTimeoutMs);
    // One budget for the whole run: the total wait is bounded whatever the number of requests.
    const budget = new RetryBudget(retryPolicy(config.maxWaitMs));
    const clock = options.clock ?? realClock;
    const retry = (what: string) => ({ budget, clock, what });
    const network = new MsalNetworkClient(new URL(config.authorityHost).origin, this.http.fetch, retry('the Entra ID authority'));
    const tokens = options.deviceCode ? deviceCodeTokenSource(config, network, (m) => options.log.warn(m)) : appTokenSource(config, network);
    this.api = new GraphApi(config, tokens, this.http.fetch, retry('Microsoft Graph'));
  }

  /** Graph requests sent so far, retries included (the token requests are not counted). */
  get graphRequests(): number {
    return this.api.transport.sent;
  }

  async listUsers(): Promise<DirectoryUser[]> {
    const users = await this.readUsers();
    if (this.config.groups.length === 0) return users;
    const members = await groupMemberIds(this.api, this.config.groups);
    return users.filter((u) => members.has(u.id));
  }

  verifiedDomains(): Promise<string[]> {
    return readVerifiedDomains(this.api);
  }

  /** Releases the HTTPS connections. */
  close(): Promise<void> {
    return this.http.close();
  }

  private async readUsers(): Promise<DirectoryUser[]> {
    const progress = this.options.onProgress ?? (() => undefined);
    const store = this.options.deltaStore;
    if (!this.config.delta || store === undefined) return readAllUsers(this.api, progress);
    const identity = [this.config.graphEndpoint, this.config.tenantId.toLowerCase(), DIRECTORY_USER_FIELDS.join(',')].join('|');
    const now = (this.options.clock ?? realClock).now();
    const result = await deltaSync(this.api, await store.load(), { identity, notice: (m) => this.options.log.warn(m), onPage: progress, now });
    // Saved only after the whole read succeeded, so a failed read leaves the old link in place;
    // and not at all when nothing changed since a recent save (no write, no fsync).
    if (result.save) await store.save(result.cache);
    return result.users;
  }
}
