// vrrp_script runner: runs the script every interval (never two at once), times it out with its process group, applies rise/fall.
import type { Clock, TimerHandle } from '../../core/clock';
import { initialScriptCounter, scriptUp, stepScript, type ScriptCounter } from './effective';
import { runScript, type RunningScript, type ScriptOutcome, type ScriptSpec } from './run-script';

/** What a {@link ScriptTracker} needs from a `vrrp_script` block. */
export interface ScriptTrackerConfig {
  readonly name: string;
  readonly spec: ScriptSpec;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly initFail: boolean;
}

/** A run as reported to listeners (for logs: "VRRP_Script(NAME) succeeded/failed/timed_out"). */
export interface ScriptRunReport {
  readonly name: string;
  readonly outcome: ScriptOutcome;
  readonly ok: boolean;
  /** Status after the run (null never happens after a run; kept for symmetry). */
  readonly up: boolean | null;
  readonly changed: boolean;
}

/** Injected runner, so unit tests can fake script processes. */
export type ScriptRunFn = (spec: ScriptSpec, timeoutMs: number) => RunningScript;

/**
 * Runs one vrrp_script. The first run starts at {@link ScriptTracker.start}; later runs start
 * every interval from the previous start, and a run still going when the next is due is not
 * doubled (keepalived: "Track script ... is already running, expect idle - skipping run").
 */
export class ScriptTracker {
  private counter: ScriptCounter;
  private timer: TimerHandle | null = null;
  private running: RunningScript | null = null;
  private stopped = true;
  /** Runs skipped because the previous one was still going. */
  skipped = 0;

  constructor(
    readonly config: ScriptTrackerConfig,
    private readonly clock: Clock,
    private readonly onStatus: (up: boolean | null, report: ScriptRunReport) => void,
    private readonly run: ScriptRunFn = (spec, t) => runScript(spec, t),
  ) {
    this.counter = initialScriptCounter(config.rise, config.fall, config.initFail);
  }

  /** The status now: null before the first result (unless init_fail). */
  get up(): boolean | null {
    return scriptUp(this.counter);
  }

  /** Whether a run is in progress. */
  get busy(): boolean {
    return this.running !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  /** Stops scheduling and kills a run in progress (with its group); resolves when it is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    const r = this.running;
    if (r) {
      r.abort();
      await r.done;
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(this.config.intervalMs, () => this.tick(), true);
    if (this.running) {
      this.skipped++;
      return;
    }
    const r = this.run(this.config.spec, this.config.timeoutMs);
    this.running = r;
    void r.done.then((outcome) => {
      this.running = null;
      if (this.stopped) return;
      this.finish(outcome);
    });
  }

  private finish(outcome: ScriptOutcome): void {
    const ok = outcome.type === 'exit' && outcome.code === 0;
    const wasInit = this.counter.init;
    const { counter, changed } = stepScript(this.counter, ok);
    this.counter = counter;
    const report: ScriptRunReport = { name: this.config.name, outcome, ok, up: scriptUp(counter), changed: changed || wasInit };
    this.onStatus(scriptUp(counter), report);
  }
}
