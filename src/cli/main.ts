/**
 * The pbxsync command line. Commands are declared here and their code is imported only when
 * they run, so `--help` stays fast (exceljs and friends are heavy).
 */
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_ERROR } from './exit-codes.js';
import { parseDuration } from './duration.js';
import { reportError } from './report-error.js';
import { guardOutputStreams, styleFor } from './output.js';
import { configureOutput, progressDisplay } from './progress.js';
import { pbxsyncVersion } from '../version.js';
import { parseServer } from '../dns/servers.js';
import { UserError } from '../errors.js';

export interface GlobalOptions {
  color?: boolean;
  quiet?: boolean;
}

const EXAMPLES = {
  validate: `
Examples:
  $ pbxsync validate tenants/acme.yaml
  $ pbxsync validate tenants/*.yaml
  $ pbxsync validate tenants/                             # every *.yaml/*.yml in the folder, and no two conflicting`,
  plan: `
Examples:
  $ pbxsync plan examples/acme/tenant.yaml
  $ pbxsync plan tenants/acme.yaml --detailed-exitcode   # exit 2 when there are changes
  $ pbxsync plan tenants/acme.yaml --json > plan.json
  $ pbxsync plan tenants/acme.yaml --markdown > comment.md
  $ pbxsync plan tenants/acme.yaml --out acme.plan.json  # then: apply tenants/acme.yaml --plan acme.plan.json
  $ pbxsync plan tenants/ --markdown --out plans/ > comment.md   # every tenant: one comment, one saved plan each
  $ pbxsync plan tenants/a.yaml tenants/b.yaml --parallel 2`,
  apply: `
Examples:
  $ pbxsync apply examples/acme/tenant.yaml              # shows the plan, asks for "yes"
  $ pbxsync apply tenants/acme.yaml --auto-approve       # CI, after review of the plan
  $ pbxsync apply tenants/acme.yaml --allow-unsafe       # past the safety thresholds
  $ pbxsync apply tenants/acme.yaml --lock-timeout 5m    # wait longer for another apply of acme
  $ pbxsync apply tenants/acme.yaml --plan acme.plan.json --auto-approve  # the reviewed plan, exactly
  $ pbxsync apply tenants/ --plan plans/ --auto-approve  # every tenant of the folder, each its reviewed plan
  $ pbxsync apply tenants/acme.yaml --auto-approve --send-welcome          # then mail joiners and rotated users their cards`,
  welcome: `
Examples:
  $ pbxsync welcome tenants/acme.yaml --dry-run                    # whom apply --send-welcome would mail now, with what
  $ pbxsync welcome tenants/acme.yaml --user bob@acme.com          # mail Bob his card again
  $ pbxsync welcome tenants/acme.yaml --all --dry-run              # every active user, nothing sent

Mail goes through the ISP configuration's smtp server, to the address the directory gives each user.
Exit 1 when any mail failed (the others are still sent).`,
  cards: `
Examples:
  $ pbxsync cards tenants/acme.yaml   # acme-cards/USERNAME.pdf per user, acme-cards/acme-cards.pdf with all

Reads the PBX (not the directory) and changes nothing in it. Passwords are derived again from the
master key, as for the spreadsheet; with provisioning: in the tenant file, also one Linphone file
per user in provisioning.folder. Files of users who left, or were renamed or rotated, are removed.`,
  key: `
Examples:
  $ pbxsync key generate                        # ~/.config/pbxsync/master.key (or PBXSYNC_MASTER_KEY_FILE), mode 0600
  $ pbxsync key generate --out /secure/acme.key
  $ pbxsync key generate --out - | gh secret set PBXSYNC_MASTER_KEY   # straight into a CI secret store
  $ pbxsync key id                              # which key this run would use`,
  completion: `
Examples:
  $ source <(pbxsync completion bash)                  # in ~/.bashrc
  $ source <(pbxsync completion zsh)                   # in ~/.zshrc, after compinit
  $ pbxsync completion zsh > ~/.zfunc/_pbxsync         # or as a file in a folder of $fpath`,
  pbxInit: `
Examples:
  $ pbxsync pbx init sqlite:pbx.sqlite
  $ pbxsync pbx init 'postgres://kamailio:$PBX_DB_PASSWORD@db.example.net/kamailio'
  $ pbxsync pbx init postgres://kamailio@localhost/kamailio --sql-dir /opt/kamailio/share/kamailio/postgres`,
};

const DIRECTORY_EXAMPLES = {
  init: `
Examples:
  $ pbxsync init tenants/acme.yaml --tenant acme --domain acme.com --start 1001 --snapshot tenants/acme-directory.json
  $ pbxsync init tenants/acme.yaml --tenant acme --domain acme.com --start 1001 --end 1999 \\
      --tenant-id contoso.onmicrosoft.com --client-id 0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9 --client-secret-env ACME_GRAPH_SECRET
  $ pbxsync init acme.yaml --tenant acme --domain acme.com --start 1001 --snapshot dir.json --set language=en-US --set voicemail_to_email=true

Every user in scope is listed under users: by object id, as {} with UPN and name in a comment:
edit it, then validate, plan and apply. Never replaces an existing file.`,
  discover: `
Examples:
  $ pbxsync discover tenants/acme.yaml                             # who is in scope, with username and extension
  $ pbxsync discover tenants/acme.yaml --save acme-directory.json  # and keep a snapshot for offline plans
  $ pbxsync discover tenants/acme.yaml --device-code               # sign in as an admin instead of the app secret`,
  consentUrl: `
Examples:
  $ pbxsync azure consent-url tenants/acme.yaml   # send the URL to the customer's Global Administrator`,
};

const DOMAIN_EXAMPLES = `
Examples:
  $ pbxsync domain verify tenants/acme.yaml                           # prints the TXT record to create, then checks it
  $ pbxsync domain verify tenants/acme.yaml --wait 1h                 # checks until it shows up (at most an hour)
  $ pbxsync domain verify tenants/acme.yaml --dns-server 192.0.2.53   # asks this resolver (repeatable; host:port too)

Exit 0 when the domain is verified or under one of the ISP's namespaces, 1 otherwise.`;

/** `--dns-server` is repeatable: each one is checked here and added to the list. */
function collectDnsServer(value: string, previous: string[] | undefined): string[] {
  try {
    parseServer(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof UserError && err.hint ? err.hint : String(err));
  }
  return [...(previous ?? []), value];
}

/** `--parallel N`: how many tenants run at once (1–64). */
function parseParallel(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('give a whole number from 1 to 64');
  return n;
}

const PARALLEL_HELP = 'with several tenant files: how many run at once';

function run(load: () => Promise<{ default: (...args: never[]) => Promise<number> }>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals<GlobalOptions>();
    configureOutput({ quiet: globals.quiet === true });
    try {
      const mod = await load();
      process.exitCode = await (mod.default as (...a: unknown[]) => Promise<number>)(...args);
    } catch (err) {
      progressDisplay().stop();
      reportError(err, styleFor(process.stderr, globals.color));
      process.exitCode = EXIT_ERROR;
    } finally {
      progressDisplay().stop();
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('pbxsync')
    .description('Bring the users of a Microsoft Entra ID directory into a multi-tenant Kamailio PBX, declaratively.')
    .version(pbxsyncVersion())
    .option('--no-color', 'no colour in the output (also: NO_COLOR=1)')
    .option('-q, --quiet', 'no progress and no notices on stderr; errors, warnings, prompts and the output itself stay')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('validate')
    .description('check tenant files: every problem at once, as file:line:col')
    .argument('<files...>', 'tenant files, or folders of them (each *.yaml/*.yml directly inside)')
    .addHelpText('after', EXAMPLES.validate)
    .action(run(() => import('./commands/validate.js')));

  program
    .command('plan')
    .description('show what apply would change in the PBX (changes nothing)')
    .argument('<files...>', 'tenant file; or several, or folders of them (each *.yaml/*.yml directly inside)')
    .option('--json', 'print the plan as JSON (with format_version); several tenants: one document holding each')
    .option('--markdown', 'print the plan as Markdown for a pull-request comment (under 65,536 characters)')
    .option('--out <path>', 'also save the plan, for `apply --plan` to apply exactly this later; several tenants: a folder, one TENANT.plan.json each')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 when there are changes, 1 on error')
    .addOption(new Option('--parallel <n>', PARALLEL_HELP).argParser(parseParallel).default(4))
    .addOption(
      new Option(
        '--dns-server <host:port>',
        'DNS server for the check of a new domain (repeatable; default: the ISP configuration, else the system)',
      ).argParser(collectDnsServer),
    )
    .addHelpText('after', EXAMPLES.plan)
    .action(run(() => import('./commands/plan.js')));

  program
    .command('apply')
    .description('make the PBX match the tenant file, then write the credentials spreadsheet (only PATH.age with spreadsheet.encrypt_to)')
    .argument('<files...>', 'tenant file; or several, or folders of them (then --auto-approve is needed)')
    .option('--auto-approve', 'do not ask for confirmation (needed for several tenant files)')
    .option('--allow-unsafe', 'apply even when the plan exceeds the safety thresholds')
    .option(
      '--plan <path>',
      'apply this saved plan (from `plan --out`) exactly; refused if the PBX or state changed since; several tenants: the folder of their plans',
    )
    .addOption(new Option('--parallel <n>', PARALLEL_HELP).argParser(parseParallel).default(4))
    .addOption(new Option('--no-spreadsheet', 'do not write the credentials spreadsheet'))
    .option('--send-welcome', 'after the apply, mail each joiner and rotated user their setup card (also: welcome.on_apply)')
    .addOption(
      new Option(
        '--dns-server <host:port>',
        'DNS server for the check of a new domain (repeatable; default: the ISP configuration, else the system)',
      ).argParser(collectDnsServer),
    )
    .addOption(
      new Option('--lock-timeout <duration>', 'how long to wait while another apply holds the tenant (30s, 2m, or seconds)')
        .argParser(parseDuration)
        .default(60_000, '60s'),
    )
    .addHelpText('after', EXAMPLES.apply)
    .action(run(() => import('./commands/apply.js')));

  program
    .command('init')
    .description('write a new tenant file from the directory: every user in scope listed, ready to edit')
    .argument('<file>', 'tenant file to create')
    .requiredOption('--tenant <name>', 'tenant name (the Kamailio did): short, stable')
    .requiredOption('--domain <domain>', 'SIP domain, a verified domain of the directory (or under the ISP namespace)')
    .requiredOption('--start <n>', 'sequential start: the first extension handed out')
    .option('--end <n>', 'last extension of the range')
    .option('--snapshot <path>', 'read the users from this saved Graph response (discover --save)')
    .option('--tenant-id <id>', 'Entra ID: directory (tenant) id or verified domain')
    .option('--client-id <id>', 'Entra ID: application (client) id of the pbxsync app')
    .option('--client-secret-env <VAR>', 'Entra ID: environment variable holding the client secret (the file says ${VAR})')
    .option('--certificate-key-env <VAR>', "Entra ID, instead of a secret: environment variable naming the certificate's private key file")
    .option('--certificate-thumbprint <hex>', "Entra ID: the certificate's thumbprint (SHA-1 or SHA-256 hex)")
    .option('--authority-host <url>', 'Entra ID: login endpoint (national clouds)')
    .option('--graph-endpoint <url>', 'Entra ID: Graph endpoint (national clouds)')
    .option('--ca-file <path>', 'Entra ID: extra certificate authority to trust (PEM)')
    .option('--scope-domain <domain>', 'UPN domain whose users are in scope (repeatable; default: the SIP domain)', (v: string, prev: string[] | undefined) => [
      ...(prev ?? []),
      v,
    ])
    .option('--pbx <url>', 'PBX database URL', 'sqlite:pbx.sqlite')
    .option('--set <key=value>', 'a default for every subscriber, e.g. language=en-US (repeatable)', (v: string, prev: string[] | undefined) => [
      ...(prev ?? []),
      v,
    ])
    .addHelpText('after', DIRECTORY_EXAMPLES.init)
    .action(run(() => import('./commands/init.js')));

  program
    .command('cards')
    .description("write the setup cards (PDF per user, and one for the tenant) and softphone provisioning files from the PBX's accounts")
    .argument('<file>', 'tenant file')
    .addHelpText('after', EXAMPLES.cards)
    .action(run(() => import('./commands/cards.js')));

  program
    .command('discover')
    .description('list the directory users in scope with the username and extension each would get (changes nothing)')
    .argument('<file>', 'tenant file')
    .option('--save <path>', 'also write what was read as a snapshot for source.type: snapshot')
    .option('--device-code', 'sign in as a directory admin in a browser (delegated) instead of with the app credential')
    .addHelpText('after', DIRECTORY_EXAMPLES.discover)
    .action(run(() => import('./commands/discover.js')));

  program
    .command('welcome')
    .description("mail users their setup card (PDF) through the ISP's SMTP server; --dry-run shows who would get what")
    .argument('<file>', 'tenant file')
    .option('--dry-run', 'send nothing: list who would get which mail (without --all/--user: what apply --send-welcome would send now)')
    .option('--all', 'every active user')
    .option('--user <upn>', 'this user (UPN or object id; repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .addHelpText('after', EXAMPLES.welcome)
    .action(run(() => import('./commands/welcome.js')));

  const azure = program.command('azure').description('Microsoft Entra ID helpers');
  azure
    .command('consent-url')
    .description("print the admin-consent URL of the tenant's Entra app and the permissions it needs")
    .argument('<file>', 'tenant file with source.type: azure')
    .addHelpText('after', DIRECTORY_EXAMPLES.consentUrl)
    .action(run(() => import('./commands/azure-consent-url.js')));

  const domain = program.command('domain').description("customer domains: proving they are the customer's");
  domain
    .command('verify')
    .description("print the DNS TXT record that proves the tenant's domain is the customer's, and check it")
    .argument('<file>', 'tenant file')
    .addOption(new Option('--wait <duration>', 'keep checking until verified, at most this long (30s, 10m, 1h)').argParser(parseDuration))
    .addOption(
      new Option('--dns-server <host:port>', "DNS server to ask instead of the ISP configuration's dns.servers or the system's (repeatable)").argParser(
        collectDnsServer,
      ),
    )
    .addOption(new Option('--poll-interval <duration>', 'first pause between checks with --wait (tests)').argParser(parseDuration).hideHelp())
    .addHelpText('after', DOMAIN_EXAMPLES)
    .action(run(() => import('./commands/domain-verify.js')));

  const key = program.command('key').description('the master key every password derives from');
  key
    .command('generate')
    .description('create a new master key (0600); never replaces an existing one')
    .option('--out <file>', 'where to write it (default: PBXSYNC_MASTER_KEY_FILE or ~/.config/pbxsync/master.key); - prints it')
    .addHelpText('after', EXAMPLES.key)
    .action(run(() => import('./commands/key-generate.js')));
  key
    .command('id')
    .description('print the one-way id of the master key this run would use')
    .addHelpText('after', EXAMPLES.key)
    .action(run(() => import('./commands/key-id.js')));

  const pbx = program.command('pbx').description('manage the PBX database');
  pbx
    .command('init')
    .description("create Kamailio 5.6's tables (subscriber, dbaliases, usr_preferences, domain, domain_attrs, version)")
    .argument('<url>', 'database URL, e.g. sqlite:pbx.sqlite or postgres://user@host/db')
    .option('--sql-dir <dir>', "folder of Kamailio's PostgreSQL scripts (postgres: only)", '/usr/share/kamailio/postgres')
    .addHelpText('after', EXAMPLES.pbxInit)
    .action(run(() => import('./commands/pbx-init.js')));

  program
    .command('completion')
    .description('print a shell completion script for bash or zsh (commands, options, file arguments)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .addHelpText('after', EXAMPLES.completion)
    .action(run(() => import('./commands/completion.js')));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  guardOutputStreams();
  await buildProgram().parseAsync(argv);
}
