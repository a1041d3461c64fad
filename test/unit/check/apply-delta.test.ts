// The engine -> IPVS driver contract for deltas: only the services a delta names are read and reconciled; errors fall back to a full reconcile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DesiredDest, DesiredService, DesiredState } from '../../../src/check/desired';
import type { IpvsDestEntry, IpvsServiceEntry, IpvsServiceKey } from '../../../src/ipvs/attrs';
import type { AppliedOp } from '../../../src/ipvs/client';
import { createIpvsApply, type IpvsBackend } from '../../../src/ipvs/driver';
import { destKeyId, serviceKeyId, type IpvsOp } from '../../../src/ipvs/reconcile';
import { NetlinkError } from '../../../src/netlink/errors';

/** A minimal in-memory IPVS table recording the calls the driver makes. */
class Table implements IpvsBackend {
  services = new Map<string, { service: IpvsServiceEntry; dests: Map<string, IpvsDestEntry> }>();
  calls: string[] = [];
  refuse: (op: IpvsOp) => boolean = () => false;
  listServices(): Promise<IpvsServiceEntry[]> {
    this.calls.push('list-services');
    return Promise.resolve([...this.services.values()].map((s) => s.service));
  }
  listDests(key: IpvsServiceKey): Promise<IpvsDestEntry[]> {
    this.calls.push(`list-dests ${serviceKeyId(key)}`);
    return Promise.resolve([...(this.services.get(serviceKeyId(key))?.dests.values() ?? [])]);
  }
  apply(ops: readonly IpvsOp[]): Promise<AppliedOp[]> {
    for (const op of ops) {
      if (this.refuse(op)) return Promise.reject(new NetlinkError(22, { type: 32, label: 'IPVS_CMD_TEST' }));
      this.calls.push(op.op);
      if (op.op === 'add-service' || op.op === 'edit-service') {
        const id = serviceKeyId(op.service.key);
        this.services.set(id, { service: { ...op.service, rawFlags: 2 }, dests: this.services.get(id)?.dests ?? new Map() });
      } else if (op.op === 'del-service') this.services.delete(serviceKeyId(op.key));
      else {
        const s = this.services.get(serviceKeyId(op.key))!;
        if (op.op === 'del-dest') s.dests.delete(destKeyId(op.dest));
        else s.dests.set(destKeyId(op.dest), { ...op.dest, activeConns: 0, inactiveConns: 0, persistentConns: 0 });
      }
    }
    return Promise.resolve(ops.map((op) => ({ op, outcome: 'done' as const })));
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  setTimeouts(): Promise<void> {
    return Promise.resolve();
  }
  startDaemon(): Promise<void> {
    return Promise.resolve();
  }
  stopDaemon(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function dest(address: string, weight = 1): DesiredDest {
  return { address, family: 'inet', port: 80, weight, fwdMethod: 'nat', uThreshold: 0, lThreshold: 0, name: `[${address}]:tcp:80`, sorry: false };
}

function svc(address: string, dests: DesiredDest[]): DesiredService {
  return {
    key: { family: 'inet', protocol: 'tcp', address, port: 80 },
    name: `[${address}]:tcp:80`,
    scheduler: 'rr',
    flags: { flag1: false, flag2: false, flag3: false },
    onePacket: false,
    hashed: false,
    timeout: null,
    netmask: null,
    peName: null,
    dests,
  };
}

/** 50 services of 2 destinations each. */
function farm(): DesiredService[] {
  return Array.from({ length: 50 }, (_, i) => svc(`10.0.0.${i + 1}`, [dest(`10.1.${i}.1`), dest(`10.1.${i}.2`)]));
}

test('a delta is reconciled alone: one service read, one destination removed, nothing else touched', async () => {
  const k = new Table();
  const drv = createIpvsApply(quiet, { backend: k });
  const all = farm();
  await drv.apply({ services: all });
  assert.equal(k.services.size, 50);
  k.calls = [];
  const changed = svc('10.0.0.7', [dest('10.1.6.2')]);
  const state: DesiredState = { services: all.map((s) => (s.name === changed.name ? changed : s)) };
  await drv.apply(state, { services: [changed], removed: [] });
  assert.deepEqual(k.calls, ['list-services', 'list-dests tcp|inet|10.0.0.7|80', 'del-dest']);
  assert.deepEqual([...k.services.get('tcp|inet|10.0.0.7|80')!.dests.keys()], ['inet|10.1.6.2|80']);
  assert.equal(drv.stats().partial, 1);
});

test('a delta removal deletes that owned service only', async () => {
  const k = new Table();
  const drv = createIpvsApply(quiet, { backend: k });
  const all = farm();
  await drv.apply({ services: all });
  k.calls = [];
  const gone = all[3]!;
  await drv.apply({ services: all.filter((s) => s !== gone) }, { services: [], removed: [gone.key] });
  assert.deepEqual(k.calls, ['list-services', 'list-dests tcp|inet|10.0.0.4|80', 'del-service']);
  assert.equal(k.services.size, 49);
});

test('the first apply and the one after a refused operation reconcile everything, even when given a delta', async () => {
  const k = new Table();
  const drv = createIpvsApply(quiet, { backend: k });
  const all = farm();
  await drv.apply({ services: all }, { services: [all[0]!], removed: [] });
  assert.equal(k.services.size, 50, 'first apply: full');
  k.refuse = (op) => op.op === 'edit-dest';
  const w2 = svc('10.0.0.1', [dest('10.1.0.1', 2), dest('10.1.0.2')]);
  await drv.apply({ services: [w2, ...all.slice(1)] }, { services: [w2], removed: [] });
  assert.equal(drv.stats().errors, 1);
  k.refuse = () => false;
  // a change elsewhere: the failed service is repaired too, because this apply is a full one
  k.calls = [];
  await drv.apply({ services: [w2, ...all.slice(1)] }, { services: [all[9]!], removed: [] });
  assert.equal(k.calls.filter((c) => c.startsWith('list-dests')).length, 50);
  assert.equal(k.services.get('tcp|inet|10.0.0.1|80')!.dests.get('inet|10.1.0.1|80')!.weight, 2);
  // and once clean, deltas are used again
  k.calls = [];
  await drv.apply({ services: [w2, ...all.slice(1)] }, { services: [all[9]!], removed: [] });
  assert.equal(k.calls.filter((c) => c.startsWith('list-dests')).length, 1);
});

test('opening IPVS failing is logged once; full applies retry it, delta applies wait', async () => {
  const lines: string[] = [];
  const drv = createIpvsApply({ info: () => undefined, warn: () => undefined, error: (m) => void lines.push(m) }, { backend: () => Promise.reject(new Error('no ip_vs')) });
  for (let i = 0; i < 5; i++) await drv.apply({ services: farm() });
  const before = drv.stats().errors;
  for (let i = 0; i < 5; i++) await drv.apply({ services: farm() }, { services: [], removed: [] });
  assert.equal(drv.stats().errors, before, 'delta applies do not reopen right after a failure');
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.ok(drv.stats().errors >= 1);
});
