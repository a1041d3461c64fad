// IpvsClient.applyMany and findService against the in-memory kernel: batches per datagram, one answer per operation,
// EEXIST/ESRCH/ENOENT races absorbed as apply() does, a refused service's destinations skipped, transport failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IpvsDest, IpvsServiceKey } from '../../../src/ipvs/attrs';
import { APPLY_BATCH, type OpResult } from '../../../src/ipvs/client';
import type { IpvsOp } from '../../../src/ipvs/reconcile';
import { NetlinkError, NetlinkTransportError } from '../../../src/netlink/errors';
import { FakeIpvsKernel } from '../../helpers/fake-ipvs-kernel';

const key = (i: number): IpvsServiceKey => ({ family: 'inet', protocol: 'tcp', address: `10.0.${i >> 8}.${i & 255}`, port: 80 });
const dst = (a: string, weight = 1): IpvsDest => ({ address: a, port: 80, forward: 'nat', weight });
const outcome = (r: OpResult): string => ('outcome' in r ? r.outcome : 'skipped' in r ? 'skipped' : `error ${(r.error as NetlinkError).errnoName ?? r.error.message}`);

test(`applyMany sends ${APPLY_BATCH} operations per datagram, one ACK back for each, and answers each operation in order`, async () => {
  const k = new FakeIpvsKernel();
  const c = k.client();
  const ops: IpvsOp[] = [];
  for (let i = 1; i <= 100; i++) ops.push({ op: 'add-service', service: { key: key(i), scheduler: 'rr' } });
  for (let i = 1; i <= 100; i++) ops.push({ op: 'add-dest', key: key(i), dest: dst('10.9.0.1') }, { op: 'add-dest', key: key(i), dest: dst('10.9.0.2') });
  const r = await c.applyMany(ops);
  assert.equal(r.length, 300);
  assert.ok(r.every((x, i) => x.op === ops[i] && 'outcome' in x && x.outcome === 'done'));
  assert.equal(k.datagrams, Math.ceil(300 / APPLY_BATCH));
  assert.equal(k.answers, Math.ceil(300 / APPLY_BATCH), 'the ACK of the last message of each datagram only');
  assert.deepEqual(k.counts(), { NEW_SERVICE: 100, NEW_DEST: 200 });
  assert.equal(k.services.size, 100);
  assert.deepEqual(await c.applyMany([]), []);
  assert.equal(k.datagrams, Math.ceil(300 / APPLY_BATCH), 'nothing sent for no operation');
  c.close();
});

test('applyMany absorbs races like apply(): add of what exists edits it, delete of what is gone is done, edit of what is missing adds it', async () => {
  const k = new FakeIpvsKernel();
  k.seed(key(1), ['10.9.0.1']);
  const c = k.client();
  const r = await c.applyMany([
    { op: 'add-service', service: { key: key(1), scheduler: 'wlc' } },
    { op: 'add-dest', key: key(1), dest: dst('10.9.0.1', 5) },
    { op: 'del-dest', key: key(1), dest: dst('10.9.0.99') },
    { op: 'del-service', key: key(2) },
    { op: 'edit-service', service: { key: key(3), scheduler: 'rr' } },
    { op: 'edit-dest', key: key(3), dest: dst('10.9.3.1', 2) },
  ]);
  assert.deepEqual(r.map(outcome), ['existed-edited', 'existed-edited', 'already-gone', 'already-gone', 'missing-added', 'missing-added']);
  assert.equal(k.services.get('tcp|inet|10.0.0.1|80')!.service.scheduler, 'wlc');
  assert.equal(k.services.get('tcp|inet|10.0.0.1|80')!.dests.get('inet|10.9.0.1|80')!.weight, 5);
  assert.equal(k.services.get('tcp|inet|10.0.0.3|80')!.dests.get('inet|10.9.3.1|80')!.weight, 2);
  // the deletes of what was gone were not sent twice; the others were retried alone after the datagram
  assert.deepEqual(k.counts(), { NEW_SERVICE: 3, SET_SERVICE: 3, NEW_DEST: 3, SET_DEST: 3, DEL_DEST: 1, DEL_SERVICE: 1 });
  c.close();
});

test("applyMany: a service refused for good is an error; its destinations are skipped, in the same datagram and in later ones (not sent)", async () => {
  const k = new FakeIpvsKernel();
  k.refuse = (r) => (r.cmd === 'NEW_SERVICE' && r.service?.scheduler === 'nosuch' ? 2 : undefined);
  const c = k.client();
  const ops: IpvsOp[] = [
    { op: 'add-service', service: { key: key(1), scheduler: 'nosuch' } },
    { op: 'add-service', service: { key: key(2), scheduler: 'rr' } },
    { op: 'add-dest', key: key(1), dest: dst('10.9.1.1') },
    { op: 'add-dest', key: key(2), dest: dst('10.9.2.1') },
  ];
  for (let i = 0; i < APPLY_BATCH; i++) ops.push({ op: 'add-dest', key: i % 2 ? key(1) : key(2), dest: dst(`10.8.${i >> 8}.${i & 255}`) });
  const r = await c.applyMany(ops);
  assert.equal(outcome(r[0]!), 'error ENOENT');
  assert.ok(!('outcome' in r[0]!) && !('skipped' in r[0]!) && r[0]!.error instanceof NetlinkError);
  assert.deepEqual(r.slice(1, 4).map(outcome), ['done', 'skipped', 'done']);
  const later = r.slice(APPLY_BATCH);
  assert.ok(later.length > 0);
  const ofRefused = (k1: IpvsServiceKey | undefined): boolean => !!k1 && 'address' in k1 && k1.address === '10.0.0.1';
  for (const x of later) assert.equal(outcome(x), x.op.op !== 'add-service' && x.op.op !== 'edit-service' && ofRefused(x.op.key) ? 'skipped' : 'done');
  const sentForRefused = k.requests.filter((q) => q.cmd === 'NEW_DEST' && ofRefused(q.key)).length;
  assert.equal(sentForRefused, (APPLY_BATCH - 4) / 2 + 1, 'only the first datagram carried destinations of the refused service');
  assert.equal(k.services.size, 1);
  c.close();
});

test('applyMany: a kernel that stops answering times the datagram out and sends nothing more; never rejects', async () => {
  const k = new FakeIpvsKernel();
  k.mute = (r) => r.cmd === 'NEW_DEST';
  const c = k.client(50);
  const ops: IpvsOp[] = [{ op: 'add-service', service: { key: key(1), scheduler: 'rr' } }];
  for (let i = 0; i < 2 * APPLY_BATCH; i++) ops.push({ op: 'add-dest', key: key(1), dest: dst(`10.8.${i >> 8}.${i & 255}`) });
  const r = await c.applyMany(ops);
  // only the last of a datagram is acknowledged: without its answer nothing of the datagram is known to be done
  for (const x of r) assert.ok('error' in x && x.error instanceof NetlinkTransportError && x.error.code === 'TSKA_ERR_NETLINK_TIMEOUT');
  assert.equal(k.datagrams, 1);
  assert.equal(k.services.size, 1, 'the kernel did add the service: the caller reads it again before trusting anything');
  c.close();
});

test('findService: the service without a dump, null when absent; other errors reject', async () => {
  const k = new FakeIpvsKernel();
  k.seed(key(1), ['10.9.0.1'], 'sh');
  const c = k.client();
  const s = await c.findService(key(1));
  assert.deepEqual(s?.key, key(1));
  assert.equal(s?.scheduler, 'sh');
  assert.equal(await c.findService(key(2)), null);
  assert.deepEqual(k.counts(), { GET_SERVICE: 2 });
  k.refuse = () => 1;
  await assert.rejects(c.findService(key(1)), (e: unknown) => e instanceof NetlinkError && e.errnoName === 'EPERM');
  c.close();
});
