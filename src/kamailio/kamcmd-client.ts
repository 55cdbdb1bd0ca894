/**
 * Kamailio's ctl module (binrpc) through the kamcmd program: `kamcmd -s <ctl_socket>`.
 *
 * Every command of a batch goes to one kamcmd process, in its interactive mode (one line per
 * command on stdin), so n commands cost one process and one connection to the socket. What
 * kamcmd prints is read back per command (kamcmd-transcript.ts). kamcmd exits 0 even after
 * RPC faults and reports a broken connection on stderr only, so a command counts as done
 * only when its answer is there, without a fault, and stderr stayed empty.
 */
import { spawn } from 'node:child_process';
import type { KamailioControl, RpcOutcome } from './control.js';
import { kamcmdInvocation } from './hand-command.js';
import { kamcmdArgument, kamcmdSafe } from './kamcmd-argument.js';
import { readTranscript, type TranscriptAnswer } from './kamcmd-transcript.js';
import { KamailioError, seconds } from './kamailio-error.js';
import { commandText, type RpcCommand } from './rpc-command.js';

/** kamcmd's output for these commands is small; this bounds what a runaway one can make us buffer. */
const MAX_OUTPUT_CHARS = 16 * 1024 * 1024;

interface KamcmdRun {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code, or null when it was killed or could not start. */
  readonly code: number | null;
  /** Why it did not finish by itself: not started, time limit, too much output. */
  readonly failure: KamailioError | null;
}

export class KamcmdControl implements KamailioControl {
  readonly label: string;

  constructor(
    private readonly program: string,
    private readonly ctlSocket: string,
    private readonly timeoutMs: number,
  ) {
    this.label = kamcmdInvocation({ kamcmd: program, ctlSocket });
  }

  async runAll(commands: readonly RpcCommand[]): Promise<readonly RpcOutcome[]> {
    const sendable = commands.map((c) => c.params.every(kamcmdSafe) && kamcmdSafe(c.method));
    const lines = commands.filter((_, i) => sendable[i]).map((c) => [c.method, ...c.params.map(kamcmdArgument)].join(' '));
    const run = lines.length > 0 ? await this.spawnBatch(lines) : null;
    const answers = run ? readTranscript(run.stdout, lines, run.failure === null && run.code === 0) : [];
    let next = 0;
    return commands.map((command, i): RpcOutcome => {
      if (!sendable[i] || run === null) {
        return {
          command,
          ok: false,
          error: new KamailioError(
            `${commandText(command)} cannot be passed to kamcmd (white space or a control character)`,
            'run it through JSON-RPC (kamailio.jsonrpc_url) instead',
          ),
        };
      }
      return this.outcome(command, answers[next++]!, run);
    });
  }

  private outcome(command: RpcCommand, answer: TranscriptAnswer, run: KamcmdRun): RpcOutcome {
    const text = commandText(command);
    if (answer.kind === 'fault') {
      const code = answer.code === null ? '' : ` ${answer.code}`;
      return {
        command,
        ok: false,
        error: new KamailioError(
          `${this.label} answered ${text} with error${code}: ${answer.message}`,
          "see Kamailio's log; the modules and table names must be those of examples/kamailio/kamailio.cfg",
        ),
      };
    }
    const problem = this.runProblem(run);
    if (problem)
      return {
        command,
        ok: false,
        error: answer.kind === 'missing' ? problem : new KamailioError(`not sure it went through: ${problem.message}`, problem.hint),
      };
    if (answer.kind === 'missing') return { command, ok: false, error: new KamailioError(`${this.label} gave no answer to ${text}`, "see Kamailio's log") };
    return { command, ok: true, result: answer.output };
  }

  /** What went wrong with the kamcmd run as a whole, if anything. */
  private runProblem(run: KamcmdRun): KamailioError | null {
    if (run.failure) return run.failure;
    const said = firstLine(run.stderr);
    if (run.code !== 0)
      return new KamailioError(
        `${this.label} failed (exit ${run.code ?? 'by signal'})${said ? `: ${said}` : ''}`,
        'is Kamailio running, with the ctl module on that socket (CTLSOCK in examples/kamailio/kamailio.cfg), and may this user open it?',
      );
    if (said) return new KamailioError(`${this.label} reported: ${said}`, "see Kamailio's log");
    return null;
  }

  private spawnBatch(lines: readonly string[]): Promise<KamcmdRun> {
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let failure: KamailioError | null = null;
      let settled = false;
      // TERM=dumb: readline would otherwise write terminal control sequences into the output.
      const child = spawn(this.program, ['-s', this.ctlSocket], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'dumb' } });
      const stop = (why: KamailioError) => {
        failure ??= why;
        child.kill('SIGKILL');
      };
      // Each command must be answered within the time limit: kamcmd flushes a prompt after
      // every answer, so silence for that long means Kamailio (or kamcmd) hangs.
      let timer = setTimeout(() => stop(this.timeoutError()), this.timeoutMs);
      const progress = () => {
        clearTimeout(timer);
        timer = setTimeout(() => stop(this.timeoutError()), this.timeoutMs);
      };
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.length > MAX_OUTPUT_CHARS)
          stop(new KamailioError(`${this.label} printed more than ${MAX_OUTPUT_CHARS} characters`, 'check kamailio.kamcmd'));
        else progress();
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderr.length < 64 * 1024) stderr += chunk;
      });
      child.stdin.on('error', () => undefined); // kamcmd exited before reading everything: its exit says why
      child.once('error', (err: NodeJS.ErrnoException) => {
        failure ??=
          err.code === 'ENOENT'
            ? new KamailioError(
                `kamcmd not found: ${this.program}`,
                "install Kamailio's kamcmd, or set kamailio.kamcmd in the ISP configuration (or use kamailio.jsonrpc_url)",
              )
            : new KamailioError(`cannot run ${this.program} (${err.code ?? err.message})`, 'check kamailio.kamcmd in the ISP configuration');
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        resolve({ stdout, stderr, code, failure });
      });
      child.stdin.end(lines.map((l) => `${l}\n`).join(''));
    });
  }

  private timeoutError(): KamailioError {
    return new KamailioError(
      `no answer from ${this.label} within ${seconds(this.timeoutMs)}`,
      'is Kamailio running and not overloaded? A longer time limit: kamailio.timeout_seconds',
    );
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}
