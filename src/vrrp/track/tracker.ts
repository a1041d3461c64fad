// The Tracker: runs every tracker the VRRP configuration uses and reports, per instance, {fault, pending, priorityDelta, priority, reasons} when it changes.
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import type { VrrpConfig } from '../../config/model/vrrp';
import { computeEffective, trackKey, trackedItemsFor, type EffectiveState, type TrackKind, type TrackStatus, type TrackedItem } from './effective';
import { FileTracker } from './track-file';
import { LinkWatcher, type LinkSource } from './track-interface';
import { ProcessTracker, type ProcInfo } from './track-process';
import { ScriptTracker, type ScriptRunFn, type ScriptRunReport } from './track-script';

/** The tracking verdict of one instance. */
export interface InstanceTrackState extends EffectiveState {
  readonly instance: string;
  readonly basePriority: number;
}

/** Injection points (all optional: defaults are the real drivers). */
export interface TrackerOptions {
  readonly clock?: Clock;
  /** Creates the rtnetlink source (call it inside the right namespace). */
  readonly linkSource?: () => LinkSource;
  readonly runScript?: ScriptRunFn;
  readonly processPollMs?: number;
  readonly scanProc?: (needCmdline: boolean) => ProcInfo[];
  /** Called after each script run (for keepalived's "VRRP_Script(X) succeeded/failed" logs). */
  readonly onScriptRun?: (report: ScriptRunReport) => void;
  /** Kinds to leave to the caller (tests; BFD is always external): statuses come through {@link Tracker.setStatus}. */
  readonly external?: readonly TrackKind[];
}

type Listener = (state: InstanceTrackState, previous: InstanceTrackState) => void;

function same(a: InstanceTrackState, b: InstanceTrackState): boolean {
  return a.fault === b.fault && a.pending === b.pending && a.priority === b.priority && a.priorityDelta === b.priorityDelta;
}

/**
 * Runs the interface watcher, vrrp_scripts, track_files and track_processes that at least one
 * instance (or its sync group) uses, and keeps each instance's {@link InstanceTrackState}.
 */
export class Tracker {
  private readonly clock: Clock;
  private readonly statuses = new Map<string, TrackStatus>();
  private readonly items = new Map<string, { base: number; items: TrackedItem[] }>();
  private readonly current = new Map<string, InstanceTrackState>();
  private readonly listeners = new Set<Listener>();
  private readonly scripts: ScriptTracker[] = [];
  private readonly files: FileTracker[] = [];
  private links: LinkWatcher | null = null;
  private processes: ProcessTracker | null = null;

  constructor(
    private readonly cfg: VrrpConfig,
    private readonly opts: TrackerOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    for (const inst of cfg.instances) this.items.set(inst.name, { base: inst.priority, items: trackedItemsFor(cfg, inst) });
    for (const name of this.items.keys()) this.current.set(name, this.compute(name));
  }

  /** The tracked items of an instance, weights resolved (for dumps). */
  itemsOf(instance: string): readonly TrackedItem[] {
    return this.items.get(instance)?.items ?? [];
  }

  /** The verdict now for one instance. */
  state(instance: string): InstanceTrackState {
    const s = this.current.get(instance);
    if (!s) throw new RangeError(`unknown vrrp_instance ${instance}`);
    return s;
  }

  /** Every instance's verdict. */
  states(): InstanceTrackState[] {
    return [...this.current.values()];
  }

  /** Subscribes to changes of fault, pending or priority; returns the unsubscribe function. */
  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Sets one object's status (BFD, or tests); recomputes the instances that track it. */
  setStatus(kind: TrackKind, name: string, status: TrackStatus): void {
    this.statuses.set(trackKey(kind, name), status);
    this.recompute(kind, name);
  }

  /** Starts the drivers for what is tracked; resolves once the initial link dump and file reads are done. */
  async start(): Promise<void> {
    const used = new Set<string>();
    for (const { items } of this.items.values()) for (const it of items) used.add(trackKey(it.kind, it.name));
    const ext = new Set<TrackKind>(this.opts.external ?? []);
    const names = (kind: TrackKind): string[] => [...used].filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));

    const ifNames = names('interface');
    if (ifNames.length > 0 && !ext.has('interface')) {
      this.links = new LinkWatcher(new Set(ifNames), (n, up) => this.setStatus('interface', n, { kind: 'interface', up }), this.opts.linkSource);
      await this.links.start();
    }

    if (!ext.has('file')) {
      for (const n of names('file')) {
        const f = this.cfg.trackFiles.find((x) => x.name === n);
        if (!f?.file) continue;
        const t = new FileTracker({ name: n, file: f.file, init: f.init }, (v) => this.setStatus('file', n, { kind: 'file', value: v }));
        this.files.push(t);
        await t.start();
        this.setStatus('file', n, { kind: 'file', value: t.value });
      }
    }

    if (!ext.has('process')) {
      const procs = names('process').flatMap((n) => {
        const p = this.cfg.trackProcesses.find((x) => x.name === n);
        if (!p?.process) return [];
        const delayMs = p.delayUs / 1000;
        return [{
          name: n, process: p.process, params: p.params, paramMatch: p.paramMatch, fullCommand: p.fullCommand,
          quorum: p.quorum, quorumMax: p.quorumMax,
          terminateDelayMs: p.terminateDelayUs !== null ? p.terminateDelayUs / 1000 : delayMs,
          forkDelayMs: p.forkDelayUs !== null ? p.forkDelayUs / 1000 : delayMs,
        }];
      });
      if (procs.length > 0) {
        const o: { pollMs?: number; scan?: (n: boolean) => ProcInfo[] } = {};
        if (this.opts.processPollMs !== undefined) o.pollMs = this.opts.processPollMs;
        if (this.opts.scanProc) o.scan = this.opts.scanProc;
        this.processes = new ProcessTracker(procs, this.clock, (n, up) => this.setStatus('process', n, { kind: 'process', up }), o);
        this.processes.start();
      }
    }

    if (!ext.has('script')) {
      for (const n of names('script')) {
        const s = this.cfg.scripts.find((x) => x.name === n);
        if (!s?.script) continue;
        const t = new ScriptTracker(
          {
            name: n, spec: { argv: s.script.check.argv, uid: s.script.check.uid, gid: s.script.check.gid },
            intervalMs: s.intervalUs / 1000, timeoutMs: s.timeoutUs / 1000, rise: s.rise, fall: s.fall, initFail: s.initFail,
          },
          this.clock,
          (up, report) => {
            this.opts.onScriptRun?.(report);
            this.setStatus('script', n, { kind: 'script', up });
          },
          this.opts.runScript,
        );
        this.scripts.push(t);
        this.setStatus('script', n, { kind: 'script', up: t.up });
        t.start();
      }
    }
  }

  /** Stops every driver; scripts still running are killed with their process groups. */
  async stop(): Promise<void> {
    this.links?.stop();
    this.links = null;
    this.processes?.stop();
    this.processes = null;
    await Promise.all([...this.scripts.map((s) => s.stop()), ...this.files.map((f) => f.stop())]);
    this.scripts.length = 0;
    this.files.length = 0;
  }

  private compute(instance: string): InstanceTrackState {
    const e = this.items.get(instance)!;
    const eff = computeEffective(e.base, e.items, (k, n) => this.statuses.get(trackKey(k, n)));
    return { instance, basePriority: e.base, ...eff };
  }

  private recompute(kind: TrackKind, name: string): void {
    for (const [inst, e] of this.items) {
      if (!e.items.some((i) => i.kind === kind && i.name === name)) continue;
      const prev = this.current.get(inst)!;
      const next = this.compute(inst);
      this.current.set(inst, next);
      if (!same(prev, next)) for (const l of this.listeners) l(next, prev);
    }
  }
}
