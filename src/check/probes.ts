// Builds the probe of each configured checker: resolves connect/bind options against the real server and picks the protocol.
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import type { KeepalivedConfig } from '../config/model';
import type { Checker, CheckerCommon, RealServer, VirtualServer } from '../config/model/lvs';
import type { DeepReadonly } from '../config/model';
import type { TlsOptions } from './conn';
import { probeDns } from './probe-dns';
import { probeFile } from './probe-file';
import { probeHttp } from './probe-http';
import { probeMisc } from './probe-misc';
import { type IcmpEcho, nativeIcmpEcho, probePing } from './probe-ping';
import { probeSmtp } from './probe-smtp';
import { probeTcp } from './probe-tcp';
import { probeUdp } from './probe-udp';
import { type Probe, type ProbeTarget, fail, ipText } from './types';

const defaultIcmp: IcmpEcho = nativeIcmpEcho();

/** What probes need from outside the configuration. */
export interface ProbeDeps {
  readonly icmp?: IcmpEcho;
  /** Reads SSL{} files (ca/certificate/key); default readFileSync. */
  readonly readFile?: (path: string) => Buffer;
  readonly maxHttpBytes?: number;
}

/** The connection target of a connection-oriented checker. */
export function probeTarget(c: DeepReadonly<CheckerCommon>, rs: DeepReadonly<RealServer>): ProbeTarget {
  const addr = c.connectIp ?? rs.address;
  return {
    host: ipText(addr),
    family: addr.family,
    port: c.connectPort ?? rs.port,
    ...(c.bindTo ? { bindTo: ipText(c.bindTo) } : {}),
    ...(c.bindPort !== null ? { bindPort: c.bindPort } : {}),
    ...(c.bindIf !== null ? { bindIf: c.bindIf } : {}),
    ...(c.fwmark !== null ? { fwmark: c.fwmark } : {}),
    timeoutMs: Math.max(1, Math.round(c.timers.connectTimeout / 1000)),
  };
}

function tlsOptions(cfg: KeepalivedConfig, c: Extract<DeepReadonly<Checker>, { type: 'HTTP_GET' | 'SSL_GET' }>, t: ProbeTarget, deps: ProbeDeps): TlsOptions {
  const rd = deps.readFile ?? ((p: string) => readFileSync(p));
  const ssl = cfg.lvs.ssl;
  const out: { -readonly [K in keyof TlsOptions]: TlsOptions[K] } = {};
  if (c.enableSni) out.servername = c.sniName ?? c.virtualhost ?? t.host;
  if (ssl?.ca) out.ca = rd(ssl.ca);
  if (ssl?.certificate) out.cert = rd(ssl.certificate);
  if (ssl?.key) out.key = rd(ssl.key);
  if (ssl?.password) out.passphrase = ssl.password;
  return out;
}

/** The probe for checker k of real server r of virtual server v; null for checkers not probed here (BFD). */
export function makeProbe(cfg: KeepalivedConfig, v: number, r: number, k: number, deps: ProbeDeps = {}): Probe | null {
  const vs: DeepReadonly<VirtualServer> = cfg.lvs.virtualServers[v]!;
  const rs = vs.realServers[r]!;
  const c = rs.checkers[k]!;
  switch (c.type) {
    case 'TCP_CHECK': {
      const t = probeTarget(c, rs);
      return (sig) => probeTcp(t, sig);
    }
    case 'HTTP_GET':
    case 'SSL_GET': {
      const t = probeTarget(c, rs);
      let tls: TlsOptions | undefined;
      try {
        tls = c.type === 'SSL_GET' ? tlsOptions(cfg, c, t, deps) : undefined;
      } catch (e) {
        const reason = `SSL files unreadable: ${(e as Error).message}`;
        return () => Promise.resolve(fail('tls', reason));
      }
      const vh = rs.virtualhost ?? vs.virtualhost;
      return (sig) => probeHttp(c, t, { virtualhost: vh, ...(tls ? { tls } : {}), ...(deps.maxHttpBytes ? { maxBytes: deps.maxHttpBytes } : {}) }, sig);
    }
    case 'SMTP_CHECK': {
      const t = probeTarget(c, rs);
      const helo = c.heloName ?? cfg.global.smtpHeloName ?? hostname();
      return (sig) => probeSmtp(t, helo, sig);
    }
    case 'DNS_CHECK': {
      const t = probeTarget(c, rs);
      return (sig) => probeDns(t, c.name, c.queryType, sig);
    }
    case 'UDP_CHECK': {
      const t = probeTarget(c, rs);
      const o = {
        payload: c.payload ? Uint8Array.from(c.payload) : null,
        requireReply: c.requireReply,
        replyMatch: c.replyMatch,
        minReplyLength: c.minReplyLength,
        maxReplyLength: c.maxReplyLength,
      };
      return (sig) => probeUdp(t, o, sig);
    }
    case 'PING_CHECK': {
      const t = probeTarget(c, rs);
      const icmp = deps.icmp ?? defaultIcmp;
      return (sig) => probePing(t, icmp, sig);
    }
    case 'MISC_CHECK': {
      if (!c.enabled || c.path === null) return null;
      const o = { argv: c.argv, uid: c.uid, gid: c.gid, timeoutMs: Math.max(1, Math.round(c.timeout / 1000)), dynamic: c.dynamic };
      return (sig) => probeMisc(o, sig);
    }
    case 'FILE_CHECK': {
      const tf = cfg.vrrp.trackFiles.find((f) => f.name === c.trackFile);
      if (!tf || tf.file === null) return () => Promise.resolve(fail('file', `track_file ${c.trackFile ?? '?'} not found`));
      const o = { path: tf.file, weight: c.weight, reverse: c.reverse };
      return () => probeFile(o);
    }
    case 'BFD_CHECK':
      return null;
  }
}
