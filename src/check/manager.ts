// Health -> desired IPVS state (pure): services from the configuration, destinations from the policy's health snapshot.
import type { DeepReadonly } from '../config/model';
import type { LvsConfig, LvsMethod, VirtualServer } from '../config/model/lvs';
import { effectiveMethod } from '../config/model/lvs';
import { formatIp, type IpAddress } from '../net/ip';
import { ipText } from './types';
import type { DesiredDest, DesiredFamily, DesiredService, DesiredServiceKey, DesiredState } from './desired';
import type { HealthSnapshot } from './policy';
import { realWeight, vsProto } from './policy';

type RoVs = DeepReadonly<VirtualServer>;

/** Largest number of addresses a virtual_server_group range expands to (keepalived allows a last-octet range). */
export const MAX_GROUP_RANGE = 256;

const fam = (a: { readonly family: 4 | 6 }): DesiredFamily => (a.family === 6 ? 'inet6' : 'inet');

/** Persistence granularity text ("255.255.255.0" or "64") as a prefix length. */
export function granularityPrefix(text: string | null): number | null {
  if (text === null) return null;
  if (/^\d+$/.test(text)) return Number(text);
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  let bits = 0;
  for (const p of parts) bits += (p >>> 0).toString(2).split('').filter((b) => b === '1').length;
  return bits;
}

function addOffset(a: DeepReadonly<IpAddress>, n: number): IpAddress {
  const bytes = Uint8Array.from(a.bytes);
  let carry = n;
  for (let i = bytes.length - 1; i >= 0 && carry > 0; i--) {
    const v = bytes[i]! + carry;
    bytes[i] = v & 0xff;
    carry = v >> 8;
  }
  return { family: a.family, bytes };
}

function distance(a: DeepReadonly<IpAddress>, b: DeepReadonly<IpAddress>): number {
  let d = 0;
  for (let i = 0; i < a.bytes.length; i++) d = d * 256 + (b.bytes[i]! - a.bytes[i]!);
  return d;
}

/** The kernel service keys of one virtual server (a group expands to one key per address or fwmark). */
export function serviceKeys(lvs: DeepReadonly<LvsConfig>, vs: RoVs): DesiredServiceKey[] {
  const protocol = vsProto(vs);
  const a = vs.address;
  if (a.kind === 'ip') return [{ family: fam(a.address), protocol, address: ipText(a.address), port: a.port }];
  if (a.kind === 'fwmark') return [{ family: vs.family === 6 ? 'inet6' : 'inet', fwmark: a.fwmark }];
  const g = lvs.groups.find((x) => x.name === a.group);
  if (!g) return [];
  const out: DesiredServiceKey[] = [];
  for (const e of g.entries) {
    if (e.kind === 'fwmark') {
      out.push({ family: (e.family ?? vs.family) === 6 ? 'inet6' : 'inet', fwmark: e.fwmark });
      continue;
    }
    const n = Math.min(distance(e.first, e.last), MAX_GROUP_RANGE - 1);
    for (let i = 0; i <= n; i++) out.push({ family: fam(e.first), protocol, address: formatIp(addOffset(e.first, i)), port: e.port });
  }
  return out;
}

function methodFields(m: DeepReadonly<LvsMethod>): Pick<DesiredDest, 'fwdMethod' | 'tunType' | 'tunPort' | 'tunFlags'> {
  if (m.method !== 'TUN') return { fwdMethod: m.method === 'DR' ? 'dr' : 'nat' };
  return {
    fwdMethod: 'tun',
    tunType: m.tunnelType ?? 'ipip',
    ...(m.tunnelPort !== undefined ? { tunPort: m.tunnelPort } : {}),
    ...(m.tunnelChecksum !== undefined ? { tunFlags: m.tunnelChecksum } : {}),
  };
}

/** Destinations of one virtual server given its health (keepalived's pool rules). */
export function desiredDests(vs: RoVs, health: HealthSnapshot['vs'][number]): DesiredDest[] {
  const out: DesiredDest[] = [];
  const proto = vsProto(vs);
  vs.realServers.forEach((rs, r) => {
    const h = health.rs[r];
    if (!h) return;
    const inPool = h.alive && !health.sorryActive;
    if (!inPool && !h.inhibit) return;
    out.push({
      address: ipText(rs.address),
      family: fam(rs.address),
      port: rs.port,
      weight: inPool ? realWeight(h.weight) : 0,
      ...methodFields(effectiveMethod(vs as VirtualServer, rs as VirtualServer['realServers'][number])),
      uThreshold: rs.uthreshold ?? 0,
      lThreshold: rs.lthreshold ?? 0,
      name: h.name,
      sorry: false,
    });
  });
  const ss = vs.sorryServer;
  if (ss && (health.sorryActive || ss.inhibit)) {
    const name = `[${ipText(ss.address)}]:${proto}:${ss.port}`;
    const dup = out.findIndex((d) => d.name === name);
    const dest: DesiredDest = {
      address: ipText(ss.address),
      family: fam(ss.address),
      port: ss.port,
      weight: health.sorryActive ? 1 : 0,
      ...methodFields(ss.lvsMethod ?? vs.lvsMethod ?? { method: 'NAT' }),
      uThreshold: 0,
      lThreshold: 0,
      name,
      sorry: true,
    };
    if (dup >= 0) {
      if (health.sorryActive) out[dup] = dest;
    } else out.push(dest);
  }
  return out;
}

/** The desired services of virtual server v given its health: none while ha_suspended. */
export function desiredServicesOf(lvs: DeepReadonly<LvsConfig>, v: number, h: HealthSnapshot['vs'][number] | undefined): DesiredService[] {
  const vs = lvs.virtualServers[v];
  if (!vs || !h || h.suspended) return [];
  const services: DesiredService[] = [];
  const dests = desiredDests(vs, h);
  const f = new Set<string>(vs.flags);
  for (const key of serviceKeys(lvs, vs)) {
    services.push({
      key,
      name: 'fwmark' in key && vs.address.kind === 'group' ? `FWM ${key.fwmark}` : vs.name,
      scheduler: vs.scheduler ?? 'wlc',
      flags: {
        flag1: f.has('flag-1') || f.has('sh-fallback') || f.has('mh-fallback'),
        flag2: f.has('flag-2') || f.has('sh-port') || f.has('mh-port'),
        flag3: f.has('flag-3'),
      },
      onePacket: f.has('ops'),
      hashed: f.has('hashed'),
      timeout: vs.persistenceTimeout,
      netmask: vs.persistenceTimeout === null ? null : granularityPrefix(vs.persistenceGranularity),
      peName: vs.persistenceEngine,
      dests: dests.filter((d) => key.family === d.family || d.fwdMethod === 'tun'),
    });
  }
  return services;
}

/** The whole desired IPVS state from the configuration and the policy's health (ha_suspended services are left out). */
export function computeDesired(lvs: DeepReadonly<LvsConfig>, health: HealthSnapshot): DesiredState {
  const services: DesiredService[] = [];
  for (let v = 0; v < lvs.virtualServers.length; v++) services.push(...desiredServicesOf(lvs, v, health.vs[v]));
  return { services };
}
