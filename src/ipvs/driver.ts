// The IPVS driver of the checker worker: maps DesiredState onto IPVS services, reconciles against the kernel and applies, owning only its services.
import type { KeepalivedConfig } from '../config/model';
import type { LvsSyncDaemon } from '../config/model/global';
import type { DesiredDelta, DesiredDest, DesiredService, DesiredServiceKey, DesiredState, ApplyDesired } from '../check/desired';
import { createCheckSubsystem, type CheckEngine } from '../check/subsystem';
import { registerSubsystem, type Subsystem, type SubsystemContext } from '../core/subsystem';
import { NetlinkError } from '../netlink/errors';
import type { IpvsDaemon, IpvsDest, IpvsService, IpvsServiceKey, IpvsTimeouts } from './attrs';
import { IpvsClient } from './client';
import { reconcile, serviceKeyId, type IpvsOp, type IpvsVirtualServer } from './reconcile';

/** The logger calls the driver makes (pino's Logger fits). */
export interface IpvsDriverLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** The part of {@link IpvsClient} the driver uses (tests pass an in-memory fake). */
export type IpvsBackend = Pick<
  IpvsClient,
  'listServices' | 'listDests' | 'apply' | 'flush' | 'setTimeouts' | 'startDaemon' | 'stopDaemon' | 'close'
>;

/** global_defs settings the driver applies (keepalived's lvs_timeouts, lvs_sync_daemon, lvs_flush, lvs_flush_on_stop). */
export interface IpvsDriverOptions {
  /** `lvs_timeouts`: seconds; an absent value leaves the kernel's as it is. */
  readonly timeouts?: { readonly tcp?: number; readonly tcpfin?: number; readonly udp?: number };
  /** `lvs_sync_daemon`. Without a VRRP instance the driver runs master and backup; with one, the VRRP worker decides. */
  readonly syncDaemon?: Omit<LvsSyncDaemon, 'loc'>;
  /** `lvs_flush`: flush every IPVS service once, before the first apply. */
  readonly flush?: boolean;
  /** `lvs_flush_on_stop`: 'on' flushes the whole table on stop; 'vs' (and the default) remove only our services. */
  readonly flushOnStop?: false | 'on' | 'vs';
  /**
   * 'always' (default): every apply reads the kernel (one service dump, then the destinations of the services
   * concerned) so changes made by others are repaired. 'after-error': reconcile against what the last successful
   * apply left, reading the kernel only on the first apply and after an error.
   */
  readonly verify?: 'always' | 'after-error';
  /** The IPVS connection (default: {@link IpvsClient.open}, opened on first use). */
  readonly backend?: IpvsBackend | (() => Promise<IpvsBackend>);
}

/** Counters of the driver (SIGUSR2 / stats). */
export interface IpvsDriverStats {
  applies: number;
  /** Operations sent and accepted by the kernel. */
  ops: number;
  /** Operations (or setup steps) the kernel refused; each was logged with its errno. */
  errors: number;
  /** Kernel reads (service dumps). */
  dumps: number;
  /** Applies that reconciled only the services of a delta. */
  partial: number;
  /** Services the driver currently owns. */
  owned: number;
  /** errno -> how many times. */
  errnos: Record<string, number>;
}

/** What {@link createIpvsApply} returns. */
export interface IpvsApply {
  /**
   * Applies a desired state; never rejects (errors are logged and counted). With a delta only the services it
   * names are read, reconciled and sent (the whole state is reconciled instead on the first apply and after any error).
   */
  readonly apply: ApplyDesired;
  /** Updates global settings (reload): timeouts are re-sent, the sync daemon restarted when it changed. */
  reconfigure(opts: IpvsDriverOptions): Promise<void>;
  /** Ends: with `release`, removes our services (or flushes all with lvs_flush_on_stop) and stops our sync daemons. */
  stop(release: boolean): Promise<void>;
  stats(clear?: boolean): IpvsDriverStats;
  /** Keys of the services the driver owns. */
  owned(): IpvsServiceKey[];
}

/** How long delta applies wait before trying to open IPVS again after a failure, ms (full applies always try). */
export const OPEN_RETRY_MS = 5_000;

/** The attrs-model key of a desired service key (pure). */
export function toIpvsKey(k: DesiredServiceKey): IpvsServiceKey {
  return 'fwmark' in k ? { family: k.family, fwmark: k.fwmark } : { family: k.family, protocol: k.protocol, address: k.address, port: k.port };
}

/** The attrs-model destination of a desired destination (pure). */
export function toIpvsDest(d: DesiredDest): IpvsDest {
  return {
    address: d.address,
    family: d.family,
    port: d.port,
    forward: d.fwdMethod,
    weight: d.weight,
    upperThreshold: d.uThreshold,
    lowerThreshold: d.lThreshold,
    ...(d.fwdMethod === 'tun'
      ? {
          tunnel: {
            type: d.tunType ?? 'ipip',
            ...(d.tunPort !== undefined ? { port: d.tunPort } : {}),
            ...(d.tunFlags !== undefined ? { csum: d.tunFlags } : {}),
          },
        }
      : {}),
  };
}

/**
 * The attrs-model service of a desired service (pure). `hashed` is not sent: IP_VS_SVC_F_HASHED is a kernel-owned
 * bit the kernel sets on every service it hashes (keepalived's `hashed` flag changes nothing either).
 */
export function toIpvsService(s: DesiredService): IpvsService {
  const f = s.flags;
  return {
    key: toIpvsKey(s.key),
    scheduler: s.scheduler,
    ...(f.flag1 || f.flag2 || f.flag3 ? { schedulerFlags: { ...(f.flag1 ? { flag1: true } : {}), ...(f.flag2 ? { flag2: true } : {}), ...(f.flag3 ? { flag3: true } : {}) } } : {}),
    ...(s.onePacket ? { onePacket: true } : {}),
    ...(s.timeout !== null
      ? {
          persistence: {
            timeout: s.timeout,
            ...(s.netmask !== null ? { prefixLength: s.netmask } : {}),
            ...(s.peName ? { engine: s.peName } : {}),
          },
        }
      : {}),
  };
}

/** The reconcile input of a desired state (pure). A key listed twice keeps its first service; duplicate destinations keep the first. */
export function toVirtualServers(state: DesiredState): IpvsVirtualServer[] {
  const seen = new Set<string>();
  const out: IpvsVirtualServer[] = [];
  for (const s of state.services) {
    const service = toIpvsService(s);
    const id = serviceKeyId(service.key);
    if (seen.has(id)) continue;
    seen.add(id);
    const dseen = new Set<string>();
    const dests: IpvsDest[] = [];
    for (const d of s.dests) {
      const did = `${d.family}|${d.address}|${d.port}`;
      if (dseen.has(did)) continue;
      dseen.add(did);
      dests.push(toIpvsDest(d));
    }
    out.push({ service, dests });
  }
  return out;
}

/** The IPVS_CMD_SET_CONFIG value of lvs_timeouts (0 = unchanged), or undefined when none is set (pure). */
export function toTimeouts(t: IpvsDriverOptions['timeouts']): IpvsTimeouts | undefined {
  if (!t || (t.tcp === undefined && t.tcpfin === undefined && t.udp === undefined)) return undefined;
  return { tcp: t.tcp ?? 0, tcpFin: t.tcpfin ?? 0, udp: t.udp ?? 0 };
}

/** The sync daemons the checker runs for lvs_sync_daemon (pure): none when a VRRP instance drives it. */
export function toSyncDaemons(d: IpvsDriverOptions['syncDaemon']): IpvsDaemon[] {
  if (!d || d.vrrpInstance !== undefined) return [];
  const base = {
    interface: d.interface,
    syncId: d.syncId ?? 0,
    ...(d.maxLen !== undefined ? { maxLen: d.maxLen } : {}),
    group: d.group,
    port: d.port,
    ...(d.ttl !== undefined ? { ttl: d.ttl } : {}),
  };
  return [
    { state: 'master', ...base },
    { state: 'backup', ...base },
  ];
}

/** A short text of an operation for logs, keepalived-like: "adding service [10.0.0.1]:tcp:80 -> [10.0.0.2]:80". */
export function describeOp(op: IpvsOp): string {
  const svc = (k: IpvsServiceKey): string => ('fwmark' in k ? `FWM ${k.fwmark}${k.family === 'inet6' ? ' (inet6)' : ''}` : `[${k.address}]:${k.protocol}:${k.port}`);
  const dst = (d: IpvsDest): string => `[${d.address}]:${d.port}`;
  switch (op.op) {
    case 'add-service':
      return `adding service ${svc(op.service.key)} (${op.service.scheduler})`;
    case 'edit-service':
      return `editing service ${svc(op.service.key)} (${op.service.scheduler})`;
    case 'del-service':
      return `removing service ${svc(op.key)}`;
    case 'add-dest':
      return `adding real server ${dst(op.dest)} to ${svc(op.key)} (weight ${op.dest.weight})`;
    case 'edit-dest':
      return `setting real server ${dst(op.dest)} of ${svc(op.key)} (weight ${op.dest.weight})`;
    case 'del-dest':
      return `removing real server ${dst(op.dest)} from ${svc(op.key)}`;
  }
}

function errnoText(e: unknown): { errno: number | undefined; text: string } {
  if (e instanceof NetlinkError) return { errno: e.errno, text: e.message };
  return { errno: (e as { errno?: number } | null)?.errno, text: e instanceof Error ? e.message : String(e) };
}

function keyOfOp(op: IpvsOp): IpvsServiceKey {
  return op.op === 'add-service' || op.op === 'edit-service' ? op.service.key : op.key;
}

/**
 * The IPVS driver. Keeps the set of services it owns (added by it, or desired by the configuration), so services
 * configured by someone else in the same namespace are never read for changes, edited or removed. Operations are
 * sent one at a time; a refused one is logged with its errno and counted, and the rest still go (the destinations
 * of a service the kernel refused are skipped). Applies are serialised.
 */
export function createIpvsApply(logger: IpvsDriverLogger, opts: IpvsDriverOptions = {}): IpvsApply {
  let options = opts;
  let backend: IpvsBackend | null = null;
  let opening: Promise<IpvsBackend | null> | null = null;
  let started = false;
  let stopped = false;
  const owned = new Map<string, IpvsServiceKey>();
  /** What the kernel holds for our services after the last clean apply (verify 'after-error'); null = unknown. */
  let cache: Map<string, IpvsVirtualServer> | null = null;
  let daemons: IpvsDaemon[] = [];
  let chain: Promise<void> = Promise.resolve();
  /** The next apply must reconcile everything (start, or a delta was lost to an error). */
  let needFull = true;
  /** Opening failed and was logged: further failures are counted, not logged again, until it works. */
  let openFailLogged = false;
  /** After a failed open, delta applies do not try again before this (performance.now ms): no netlink socket per health change. */
  let openRetryAt = 0;
  const fresh = (): IpvsDriverStats => ({ applies: 0, ops: 0, errors: 0, dumps: 0, partial: 0, owned: 0, errnos: {} });
  let counters = fresh();

  const fail = (what: string, e: unknown): void => {
    const { errno, text } = errnoText(e);
    counters.errors++;
    const k = errno === undefined ? 'none' : String(errno);
    counters.errnos[k] = (counters.errnos[k] ?? 0) + 1;
    logger.error(`IPVS: ${what} failed: ${text}${errno !== undefined && !text.includes(`errno ${errno}`) ? ` (errno ${errno})` : ''}`);
  };

  /** The backend; `eager` (a full apply) tries at once, a delta apply only once OPEN_RETRY_MS have passed since a failure. */
  const open = async (eager = true): Promise<IpvsBackend | null> => {
    if (backend) return backend;
    if (!opening && !eager && performance.now() < openRetryAt) return null;
    if (!opening) {
      opening = (async (): Promise<IpvsBackend | null> => {
        try {
          const b = options.backend;
          backend = b === undefined ? await IpvsClient.open() : typeof b === 'function' ? await b() : b;
          openFailLogged = false;
          return backend;
        } catch (e) {
          // every apply retries; one line says why, not one per apply (thousands with a flapping pool)
          if (openFailLogged) counters.errors++;
          else fail('opening the IPVS generic netlink family (is ip_vs available?)', e);
          openFailLogged = true;
          openRetryAt = performance.now() + OPEN_RETRY_MS;
          return null;
        } finally {
          opening = null;
        }
      })();
    }
    return opening;
  };

  const setup = async (b: IpvsBackend, first: boolean): Promise<void> => {
    if (first && options.flush) {
      try {
        await b.flush();
        logger.info('IPVS: flushed every virtual server (lvs_flush)');
      } catch (e) {
        fail('lvs_flush', e);
      }
    }
    const t = toTimeouts(options.timeouts);
    if (t) {
      try {
        await b.setTimeouts(t);
      } catch (e) {
        fail(`setting lvs_timeouts tcp ${t.tcp} tcpfin ${t.tcpFin} udp ${t.udp}`, e);
      }
    }
    const want = toSyncDaemons(options.syncDaemon);
    if (JSON.stringify(want) !== JSON.stringify(daemons)) {
      await stopDaemons(b);
      for (const d of want) {
        try {
          await b.startDaemon(d);
          daemons.push(d);
          logger.info(`IPVS: started the ${d.state} sync daemon on ${d.interface} (id ${d.syncId})`);
        } catch (e) {
          fail(`starting the ${d.state} sync daemon on ${d.interface}`, e);
        }
      }
    }
    if (options.syncDaemon?.vrrpInstance !== undefined && first) {
      logger.info(`IPVS: lvs_sync_daemon follows VRRP instance ${options.syncDaemon.vrrpInstance}: left to the VRRP process`);
    }
  };

  const stopDaemons = async (b: IpvsBackend): Promise<void> => {
    for (const d of daemons) {
      try {
        await b.stopDaemon(d.state);
      } catch (e) {
        fail(`stopping the ${d.state} sync daemon`, e);
      }
    }
    daemons = [];
  };

  /**
   * The kernel's view of the services concerned (never anyone else's): desired ∪ owned, or with `scope` only
   * the services it lists.
   */
  const readActual = async (b: IpvsBackend, wanted: ReadonlySet<string>, scope?: ReadonlySet<string>): Promise<IpvsVirtualServer[]> => {
    counters.dumps++;
    const services = await b.listServices();
    const out: IpvsVirtualServer[] = [];
    for (const service of services) {
      const id = serviceKeyId(service.key);
      if (scope ? !scope.has(id) : !wanted.has(id) && !owned.has(id)) continue;
      out.push({ service, dests: await b.listDests(service.key) });
    }
    return out;
  };

  const applyNow = async (state: DesiredState, delta: DesiredDelta | undefined): Promise<void> => {
    counters.applies++;
    // Without IPVS there is nothing to map the state for (and no point mapping 10,000 services per apply).
    const b = await open(delta === undefined);
    if (!b) {
      needFull = true;
      return;
    }
    if (!started) {
      started = true;
      await setup(b, true);
    }
    // A delta is enough once a full reconcile has been done and no delta has failed since.
    const partial = delta !== undefined && !needFull;
    needFull = true; // until this apply ends
    let desired: IpvsVirtualServer[];
    try {
      desired = toVirtualServers(partial ? { services: delta.services } : state);
    } catch (e) {
      fail('mapping the desired state', e);
      return;
    }
    const wanted = new Set(desired.map((v) => serviceKeyId(v.service.key)));
    /** With a delta: the services it concerns (changed or withdrawn); every other one is left as it is. */
    let scope: Set<string> | undefined;
    let ownedInScope: IpvsServiceKey[] = [...owned.values()];
    if (partial) {
      counters.partial++;
      scope = new Set(wanted);
      ownedInScope = [];
      for (const k of delta.removed) {
        const id = serviceKeyId(toIpvsKey(k));
        if (wanted.has(id)) continue;
        scope.add(id);
        const key = owned.get(id);
        if (key) ownedInScope.push(key);
      }
    }
    let actual: IpvsVirtualServer[];
    if (options.verify === 'after-error' && cache) {
      const c = cache;
      actual = scope ? [...scope].flatMap((id) => c.get(id) ?? []) : [...c.values()];
    } else {
      try {
        actual = await readActual(b, wanted, scope);
      } catch (e) {
        fail('reading the IPVS table', e);
        cache = null;
        return;
      }
    }
    let ops: IpvsOp[];
    try {
      ops = reconcile(desired, actual, { owned: ownedInScope });
    } catch (e) {
      fail('reconciling', e);
      cache = null;
      return;
    }
    // Desired services are ours from now on (keepalived removes them on stop even if they pre-existed).
    for (const v of desired) owned.set(serviceKeyId(v.service.key), v.service.key);
    const refused = new Set<string>();
    let clean = true;
    for (const op of ops) {
      const id = serviceKeyId(keyOfOp(op));
      if (refused.has(id) && op.op !== 'del-service') continue;
      try {
        await b.apply([op]);
        counters.ops++;
        if (op.op === 'del-service') owned.delete(id);
      } catch (e) {
        clean = false;
        fail(describeOp(op), e);
        if (op.op === 'add-service') {
          refused.add(id);
          owned.delete(id);
        }
      }
    }
    if (!clean) cache = null;
    else if (!scope) cache = new Map(desired.map((v) => [serviceKeyId(v.service.key), v]));
    else if (cache) {
      for (const id of scope) cache.delete(id);
      for (const v of desired) cache.set(serviceKeyId(v.service.key), v);
    }
    // A failed delta is repaired by one full reconcile; a failed full one is not repeated on every change
    // (a refusal that persists would make every apply a full one): its services are retried when they change.
    needFull = !clean && partial;
    counters.owned = owned.size;
  };

  const serial = (fn: () => Promise<void>): Promise<void> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };

  return {
    apply: (state, delta) =>
      serial(async () => {
        if (stopped) return;
        try {
          await applyNow(state, delta);
        } catch (e) {
          cache = null;
          fail('applying the desired state', e);
        }
      }),
    reconfigure: (o) =>
      serial(async () => {
        options = { ...o, backend: options.backend ?? o.backend };
        if (!started || !backend) return;
        await setup(backend, false);
      }),
    stop: (release) =>
      serial(async () => {
        if (stopped) return;
        stopped = true;
        const b = backend;
        if (!b) return;
        if (release) {
          if (options.flushOnStop === 'on') {
            try {
              await b.flush();
              logger.info('IPVS: flushed every virtual server (lvs_flush_on_stop)');
            } catch (e) {
              fail('lvs_flush_on_stop', e);
            }
          } else {
            for (const [id, key] of owned) {
              try {
                await b.apply([{ op: 'del-service', key }]);
                counters.ops++;
                owned.delete(id);
              } catch (e) {
                fail(describeOp({ op: 'del-service', key }), e);
              }
            }
          }
          owned.clear();
          await stopDaemons(b);
        }
        counters.owned = owned.size;
        b.close();
        backend = null;
      }),
    stats: (clear = false) => {
      const out = { ...counters, errnos: { ...counters.errnos }, owned: owned.size };
      if (clear) counters = fresh();
      return out;
    },
    owned: () => [...owned.values()],
  };
}

/** The driver's options from a configuration's global_defs. */
export function driverOptions(cfg: KeepalivedConfig): IpvsDriverOptions {
  const g = cfg.global;
  return {
    ...(g.lvsTimeouts ? { timeouts: g.lvsTimeouts } : {}),
    ...(g.lvsSyncDaemon ? { syncDaemon: g.lvsSyncDaemon } : {}),
    flush: g.lvsFlush,
    flushOnStop: g.lvsFlushOnStop,
  };
}

/**
 * The checker subsystem with the IPVS driver attached: the health engine computes desired state, the driver
 * applies it; on stop the engine withdraws its services (unless -I) and the driver releases the rest.
 */
export function createCheckSubsystemWithIpvs(ctx: SubsystemContext, backend?: IpvsDriverOptions['backend']): Subsystem {
  let driver: IpvsApply | null = null;
  const base: IpvsDriverOptions = backend ? { backend } : {};
  const logger: IpvsDriverLogger = { info: (m) => ctx.logger.info(m), warn: (m) => ctx.logger.warn(m), error: (m) => ctx.logger.error(m) };
  const apply: ApplyDesired = (s, delta) => (driver ? driver.apply(s, delta) : Promise.resolve());
  const engine: CheckEngine = createCheckSubsystem(ctx, { apply });
  const release = !ctx.options.dontReleaseIpvs;
  return {
    async start(cfg) {
      driver = createIpvsApply(logger, { ...driverOptions(cfg), ...base });
      await engine.start(cfg);
    },
    async reload(cfg) {
      await driver?.reconfigure({ ...driverOptions(cfg), ...base });
      await engine.reload(cfg);
    },
    async stop() {
      await engine.stop();
      await driver?.stop(release);
    },
    dump: () => ({ ...(engine.dump() as object), ipvsOwned: driver?.owned() ?? [] }),
    stats: (clear) => ({ ...(engine.stats(clear) as object), ipvs: driver?.stats(clear) ?? null }),
  };
}

registerSubsystem('check', (ctx) => createCheckSubsystemWithIpvs(ctx));
