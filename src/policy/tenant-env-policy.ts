/**
 * Where a tenant file may use `${VAR}`, and which variables: a tenant file is written by
 * whoever opens a pull request and planned in a CI job that holds secrets, so references are
 * refused everywhere except where a value must come from outside the file — the app's client
 * secret, its certificate's key file, and the password of a database URL — plus the keys the
 * ISP allows (`allow.env_in`), and only for variables the ISP allows (`allow.env`). pbxsync's
 * own variables never.
 */
import type { ExpandPolicy, FieldRule } from '../config/expand-env.js';
import type { YamlPath } from '../config/problem.js';
import { ISP_CONFIG_ENV } from './load-isp-config.js';
import { envAllowed, isPbxsyncVariable, type EnvField, type IspPolicy } from './isp-policy.js';

const SECRETS: Readonly<Record<string, FieldRule>> = {
  'source.client_secret': 'secret',
  'source.certificate.private_key_file': 'credential',
  'pbx.url': 'url',
  'state.url': 'url',
};

export function tenantExpandPolicy(isp: IspPolicy): ExpandPolicy {
  return {
    fieldRule(path: YamlPath): FieldRule {
      const key = path.join('.');
      const rule = SECRETS[key] ?? 'none';
      if (isp.envIn.has(key as EnvField)) return rule === 'url' ? 'url-any' : 'any';
      return rule;
    },
    variableProblem(name: string) {
      if (isPbxsyncVariable(name)) {
        return {
          message: `environment variable ${name} is pbxsync's own and can never be used in a tenant file`,
          hint: 'tenant files may only use the variables the ISP configuration allows (allow.env)',
        };
      }
      if (envAllowed(isp, name)) return null;
      const where = isp.file === null ? `no ISP configuration allows it (${ISP_CONFIG_ENV} is not set)` : `the ISP configuration ${isp.file} does not allow it`;
      return {
        message: `environment variable ${name} may not be used in a tenant file: ${where}`,
        hint: `the ISP lists the variables tenant files may use under allow.env (names, or prefixes like ACME_*)`,
      };
    },
    fieldHint(path: YamlPath): string {
      const key = path.join('.');
      return `only credentials (source.client_secret, source.certificate.private_key_file, database passwords) and the keys the ISP allows (allow.env_in) come from the environment: write the value of ${key} itself`;
    },
  };
}
