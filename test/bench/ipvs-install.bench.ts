// Benchmark (real IPVS, in the VM): installing 1,000 and 10,000 services x 5 destinations through the driver vs ipvsadm-restore, and one change among 10,000.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DesiredDest, DesiredService, DesiredState } from '../../src/check/desired';
import { IpvsClient } from '../../src/ipvs/client';
import { createIpvsApply, toVirtualServers } from '../../src/ipvs/driver';
import { reconcile, type IpvsVirtualServer } from '../../src/ipvs/reconcile';

const DESTS = 5;
const SIZES = (process.env['BENCH_IPVS_SIZES'] ?? '1000,10000').split(',').map(Number);

function vip(i: number): string {
  return `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

function state(n: number, weightOf: (i: number, d: number) => number = () => 1): DesiredState {
  const services: DesiredService[] = [];
  for (let i = 0; i < n; i++) {
    const dests: DesiredDest[] = [];
    for (let d = 0; d < DESTS; d++) {
      const address = `10.0.${d}.${(i % 250) + 1}`;
      dests.push({ address, family: 'inet', port: 8080, weight: weightOf(i, d), fwdMethod: 'nat', uThreshold: 0, lThreshold: 0, name: address, sorry: false });
    }
    services.push({
      key: { family: 'inet', protocol: 'tcp', address: vip(i), port: 80 },
      name: vip(i),
      scheduler: 'wlc',
      flags: { flag1: false, flag2: false, flag3: false },
      onePacket: false,
      hashed: false,
      timeout: null,
      netmask: null,
      peName: null,
      dests,
    });
  }
  return { services };
}

function restoreText(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`-A -t ${vip(i)}:80 -s wlc`);
    for (let d = 0; d < DESTS; d++) lines.push(`-a -t ${vip(i)}:80 -r 10.0.${d}.${(i % 250) + 1}:8080 -m -w 1`);
  }
  return lines.join('\n') + '\n';
}

function serviceCount(): number {
  return execFileSync('ipvsadm', ['-Ln'], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').filter((l) => /^TCP/.test(l)).length;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const quiet = { info: (): void => undefined, warn: (m: string): void => console.error(m), error: (m: string): void => console.error(m) };

async function main(): Promise<void> {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  execFileSync('ipvsadm', ['-C']);
  const rows: string[][] = [];
  const row = (what: string, n: number, ops: number, t: number, note = ''): void => {
    rows.push([what, String(n), String(ops), t.toFixed(0), ops ? ((ops / t) * 1000).toFixed(0) : '-', note]);
    console.error(`ipvs-install: ${rows.at(-1)!.join(' | ')}`); // progress: the full table comes at the end
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tska-bench-ipvs-'));
  for (const n of SIZES) {
    const ops = n * (1 + DESTS);
    // Driver (dump of the empty table + reconcile + one netlink request per operation).
    const desired = state(n);
    const drv = createIpvsApply(quiet);
    let t0 = process.hrtime.bigint();
    await drv.apply(desired);
    const tInstall = ms(t0);
    const errs = drv.stats().errors;
    row('install: tskeepalived driver', n, ops, tInstall, `${serviceCount()} services in the table, ${errs} errors`);

    if (n === Math.max(...SIZES)) {
      // One destination's weight changes with n services present: the driver's full path (dump + reconcile + apply)...
      const changed = state(n, (i, d) => (i === n >> 1 && d === 0 ? 7 : 1));
      t0 = process.hrtime.bigint();
      await drv.apply(changed);
      row('1 change, driver (dump + reconcile + apply)', n, 1, ms(t0), `${drv.stats().ops - ops} op sent`);
      // ...its parts, measured separately with the client...
      const c = await IpvsClient.open();
      t0 = process.hrtime.bigint();
      const actual: IpvsVirtualServer[] = await c.dump();
      const tDump = ms(t0);
      const back = state(n);
      t0 = process.hrtime.bigint();
      const list = reconcile(toVirtualServers(back), actual);
      const tRec = ms(t0);
      t0 = process.hrtime.bigint();
      await c.apply(list);
      const tApply = ms(t0);
      row('  of which: dump (services + dests)', n, 0, tDump, `${actual.length} services read`);
      row('  of which: reconcile (pure)', n, 0, tRec, `${list.length} op(s)`);
      row('  of which: apply', n, list.length, tApply);
      c.close();
      // ...and with verify 'after-error' (reconcile against the last applied state, no dump).
      const cached = createIpvsApply(quiet, { verify: 'after-error' });
      await cached.apply(back);
      t0 = process.hrtime.bigint();
      await cached.apply(changed);
      row("1 change, driver verify 'after-error' (no dump)", n, 1, ms(t0));
      await cached.stop(false);
      // A single `ipvsadm -e` for the same change, process start included.
      t0 = process.hrtime.bigint();
      execFileSync('ipvsadm', ['-e', '-t', `${vip(n >> 1)}:80`, '-r', `10.0.0.${((n >> 1) % 250) + 1}:8080`, '-m', '-w', '9']);
      row('1 change, ipvsadm -e (one process)', n, 1, ms(t0));
    }

    t0 = process.hrtime.bigint();
    await drv.stop(true);
    row('remove: driver stop (delete each service)', n, n, ms(t0), `${serviceCount()} services left`);

    const file = path.join(tmp, `rules-${n}`);
    fs.writeFileSync(file, restoreText(n));
    t0 = process.hrtime.bigint();
    const r = spawnSync('ipvsadm-restore', [], { input: fs.readFileSync(file), stdio: ['pipe', 'ignore', 'pipe'] });
    const tRestore = ms(t0);
    row('install: ipvsadm-restore', n, ops, tRestore, `status ${r.status}, ${serviceCount()} services in the table`);
    t0 = process.hrtime.bigint();
    execFileSync('ipvsadm', ['-C']);
    row('remove: ipvsadm -C (flush)', n, 0, ms(t0));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`\nIPVS install benchmark (kernel ${os.release()}, ${os.cpus().length} vCPU, node ${process.version}; ${DESTS} destinations per service)\n`);
  console.log('| what | services | operations | ms | operations/s | note |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

const inVm = process.env['TSKA_VM'] === '1';
const hasIpvs = fs.existsSync('/proc/net/ip_vs') || fs.existsSync('/sys/module/ip_vs');
if (process.getuid?.() !== 0 || (!inVm && !hasIpvs)) {
  console.log('ipvs-install: skipped: needs root and a kernel with ip_vs (run in the VM: scripts/vm/run.sh node <build>/test/bench/ipvs-install.bench.js)');
} else if (process.env['TSKA_BENCH_NETNS'] !== '1') {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, __filename], { env: { ...process.env, TSKA_BENCH_NETNS: '1' }, stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
