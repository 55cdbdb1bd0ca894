/**
 * The authority (login.microsoftonline.com) as msal-node uses it: the OpenID configuration,
 * the token endpoint (client secret, client assertion signed with the app's certificate,
 * device code) and the device-code endpoint, with the admin's answer in the browser scripted
 * (`deviceSignIn`). Errors carry the AADSTS codes Entra ID uses.
 */
import { createHash, createPublicKey, randomBytes, verify, X509Certificate, constants } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatedApp, EmulatedDirectory } from './directory-model.js';
import { readBody, sendAadError, sendJson } from './http-util.js';

export interface IssuedToken {
  readonly clientId: string;
  /** App-only tokens carry the consented application permissions as roles; without consent, none. */
  readonly authorized: boolean;
  readonly expiresAt: number;
}

/**
 * What the admin does in the browser with a device code: `approve` (signs in and accepts),
 * `decline` (declines: `authorization_declined`), `deny` (the same as `access_denied`),
 * `expire` (does not finish in time: `expired_token`), or `lose` (the code is not one the
 * authority knows: `bad_verification_code`). `pendingPolls` polls answer
 * `authorization_pending` first, as while the admin is still on the sign-in page.
 */
export interface DeviceSignIn {
  readonly outcome: 'approve' | 'decline' | 'deny' | 'expire' | 'lose';
  readonly pendingPolls: number;
}

interface IssuedDeviceCode {
  readonly clientId: string;
  polls: number;
}

export class AuthEndpoints {
  readonly tokens = new Map<string, IssuedToken>();
  private readonly deviceCodes = new Map<string, IssuedDeviceCode>();
  /** Lifetime of issued tokens, in seconds. */
  tokenLifetime = 3600;
  deviceSignIn: DeviceSignIn = { outcome: 'approve', pendingPolls: 0 };
  /** `expires_in` of device codes, in seconds (Entra: 900). */
  deviceCodeLifetime = 900;
  /** Polling `interval` of device codes, in seconds; 0 lets tests poll without waiting. */
  deviceCodeInterval = 1;
  /** Origin the OpenID configuration names for the endpoints (default: the emulator's). */
  endpointOrigin: string | undefined;

  constructor(
    private readonly directory: EmulatedDirectory,
    private readonly base: () => string,
  ) {}

  /** Handles `/{tenant}/...` authority paths; false when the path is not one. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (path === '/common/discovery/instance') {
      // Instance discovery, which msal calls unless the host is in knownAuthorities.
      const host = new URL(this.base()).host;
      sendJson(res, 200, {
        tenant_discovery_endpoint: `${this.base()}/${this.directory.tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
      return true;
    }
    const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|oauth2\/v2\.0\/devicecode)$/.exec(path);
    if (!m) return false;
    const tenant = decodeURIComponent(m[1]!);
    if (!this.directory.isTenant(tenant)) {
      sendAadError(
        res,
        400,
        'invalid_tenant',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
      return true;
    }
    if (m[2]!.startsWith('v2.0')) sendJson(res, 200, this.openIdConfiguration(tenant));
    else if (m[2] === 'oauth2/v2.0/devicecode') this.deviceCode(res, new URLSearchParams(await readBody(req)));
    else this.token(res, tenant, new URLSearchParams(await readBody(req)));
    return true;
  }

  private openIdConfiguration(tenant: string): Record<string, unknown> {
    const root = `${this.endpointOrigin ?? this.base()}/${tenant}`;
    return {
      token_endpoint: `${root}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${this.base()}/${this.directory.tenantId}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${this.base()}/${this.directory.tenantId}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${root}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    };
  }

  private deviceCode(res: ServerResponse, form: URLSearchParams): void {
    const app = this.directory.apps.get(form.get('client_id') ?? '');
    if (!app) return unknownApp(res, form.get('client_id') ?? '', this.directory.tenantId);
    const code = randomBytes(16).toString('hex');
    if (this.deviceSignIn.outcome !== 'lose') this.deviceCodes.set(code, { clientId: app.clientId, polls: 0 });
    sendJson(res, 200, {
      user_code: 'EMU12345',
      device_code: code,
      verification_uri: 'https://microsoft.com/devicelogin',
      expires_in: this.deviceCodeLifetime,
      interval: this.deviceCodeInterval,
      message: 'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code EMU12345 to authenticate.',
    });
  }

  private token(res: ServerResponse, tenant: string, form: URLSearchParams): void {
    const grant = form.get('grant_type');
    if (grant === 'urn:ietf:params:oauth:grant-type:device_code' || grant === 'device_code') return this.deviceToken(res, form);
    if (grant !== 'client_credentials')
      return sendAadError(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
    const clientId = form.get('client_id') ?? '';
    const app = this.directory.apps.get(clientId);
    if (!app) return unknownApp(res, clientId, tenant);
    const problem = checkCredential(app, form, `${this.base()}/${tenant}/oauth2/v2.0/token`);
    if (problem) return sendAadError(res, 401, 'invalid_client', problem.code, problem.message);
    if (app.consent === 'missing-token') {
      return sendAadError(
        res,
        400,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource.`,
      );
    }
    sendJson(res, 200, { token_type: 'Bearer', expires_in: this.tokenLifetime, ext_expires_in: this.tokenLifetime, access_token: this.issue(app) });
  }

  private deviceToken(res: ServerResponse, form: URLSearchParams): void {
    const code = form.get('device_code') ?? '';
    const issued = this.deviceCodes.get(code);
    const app = issued === undefined ? undefined : this.directory.apps.get(issued.clientId);
    if (!issued || !app)
      return sendAadError(res, 400, 'bad_verification_code', 70018, "The provided value for the input parameter 'device_code' is not valid.");
    if (app.publicClient === false) {
      return sendAadError(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (issued.polls++ < this.deviceSignIn.pendingPolls)
      return sendAadError(res, 400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
    this.deviceCodes.delete(code);
    const outcome = this.deviceSignIn.outcome;
    if (outcome === 'decline' || outcome === 'deny') {
      return sendAadError(res, 400, outcome === 'decline' ? 'authorization_declined' : 'access_denied', 65004, 'User declined to consent to access the app.');
    }
    if (outcome === 'expire') return sendAadError(res, 400, 'expired_token', 70019, 'Verification code expired.');
    this.signedIn(res, app, form);
  }

  /** The delegated token answer: access, refresh and id token, as msal stores them. */
  private signedIn(res: ServerResponse, app: EmulatedApp, form: URLSearchParams): void {
    const oid = '00000000-0000-4000-8000-00000000ad01';
    const tid = this.directory.tenantId;
    const now = Math.floor(Date.now() / 1000);
    const idToken =
      [
        { typ: 'JWT', alg: 'none' },
        {
          aud: app.clientId,
          iss: `${this.base()}/${tid}/v2.0`,
          iat: now,
          nbf: now,
          exp: now + 3600,
          name: 'Emulated Admin',
          oid,
          preferred_username: `admin@${this.directory.domains[0]?.id ?? 'example.com'}`,
          sub: oid,
          tid,
          ver: '2.0',
        },
      ]
        .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
        .join('.') + '.';
    sendJson(res, 200, {
      token_type: 'Bearer',
      scope: form.get('scope') ?? '',
      expires_in: this.tokenLifetime,
      ext_expires_in: this.tokenLifetime,
      access_token: this.issue(app),
      refresh_token: randomBytes(24).toString('base64url'),
      id_token: idToken,
      client_info: Buffer.from(JSON.stringify({ uid: oid, utid: tid })).toString('base64url'),
    });
  }

  private issue(app: EmulatedApp): string {
    const token = `emu.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { clientId: app.clientId, authorized: app.consent === 'granted', expiresAt: Date.now() + this.tokenLifetime * 1000 });
    return token;
  }
}

function unknownApp(res: ServerResponse, clientId: string, tenant: string): void {
  sendAadError(
    res,
    400,
    'unauthorized_client',
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
  );
}

/** Checks a client secret or a client assertion (a JWT signed with the app's certificate key). */
function checkCredential(app: EmulatedApp, form: URLSearchParams, audience: string): { code: number; message: string } | undefined {
  const secret = form.get('client_secret');
  if (secret !== null) {
    if (app.secret !== undefined && secret === app.secret) return undefined;
    return {
      code: 7000215,
      message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    };
  }
  const assertion = form.get('client_assertion');
  if (assertion === null) return { code: 7000218, message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." };
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    return { code: 700024, message: 'Client assertion type is not valid.' };
  return checkAssertion(app, assertion, audience);
}

function checkAssertion(app: EmulatedApp, jwt: string, audience: string): { code: number; message: string } | undefined {
  const bad = (detail: string) => ({ code: 700027, message: `Client assertion failed signature validation. (${detail})` });
  if (app.certificatePem === undefined) return bad('no certificate registered for the app');
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return bad('not a JWT');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, string>;
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const cert = new X509Certificate(app.certificatePem);
  const der = cert.raw;
  const x5t = createHash('sha1').update(der).digest('base64url');
  const x5tS256 = createHash('sha256').update(der).digest('base64url');
  if (header.x5t !== x5t && header['x5t#S256'] !== x5tS256) return bad('thumbprint does not match a registered certificate');
  const key = createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' }));
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  const ok =
    header.alg === 'PS256'
      ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
      : header.alg === 'RS256' && verify('sha256', data, key, sig);
  if (!ok) return bad(`signature (${header.alg}) does not verify`);
  if (payload.aud !== audience) return { code: 700021, message: `Client assertion audience claim does not match Realm issuer (aud ${String(payload.aud)}).` };
  if (payload.iss !== app.clientId || payload.sub !== app.clientId) return { code: 700021, message: 'Client assertion iss/sub must be the client id.' };
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now())
    return { code: 700024, message: 'Client assertion is not within its valid time range.' };
  return undefined;
}
