// Benchmark: how many TCP_CHECK probes per second one process sustains on loopback, and the CPU they cost.
import * as net from 'node:net';
import { probeTcp } from '../../src/check/probe-tcp';

async function main(): Promise<void> {
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
  const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const target = { host: '127.0.0.1', family: 4 as const, port, timeoutMs: 3000 };
  let ok = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const r = await probeTcp(target, new AbortController().signal);
      if (r.ok) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  server.close();
  const rate = ok / wall;
  console.log(`check-tcp: ${ok} ok, ${failed} failed in ${wall.toFixed(2)} s with ${concurrency} in flight (server in the same process)`);
  console.log(`check-tcp: ${rate.toFixed(0)} TCP_CHECKs/s; CPU ${cpuS.toFixed(2)} s (${((cpuS / wall) * 100).toFixed(0)}% of one core), ${((cpuS / ok) * 1e6).toFixed(0)} us CPU per check`);
  console.log(`check-tcp: at delay_loop 6 s this rate covers ~${Math.floor(rate * 6)} TCP_CHECKs per process`);
}

void main();
