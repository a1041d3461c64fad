// Benchmark: parse and validate a generated 100,000-line configuration (5,000 vrrp_instances,
// 2,000 virtual_servers x 10 real servers). Prints wall time and peak RSS; target < 1 s, < 200 MB.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { nodeReader } from '../../src/config/node-reader';
import { permissiveHost } from '../../src/config/host-facts';

function generate(instances: number, services: number, reals: number): string {
  const out: string[] = ['global_defs {', '  router_id bench', '}'];
  for (let i = 0; i < instances; i++) {
    const a = 1 + (i % 250);
    const b = Math.floor(i / 250);
    out.push(
      `vrrp_instance VI_${i} {`,
      `  interface eth${b}`,
      `  virtual_router_id ${1 + (i % 250)}`,
      `  priority ${1 + (i % 254)}`,
      '  virtual_ipaddress {',
      `    10.${b}.${a}.1/32`,
      '  }',
      '}',
    );
  }
  for (let s = 0; s < services; s++) {
    const o3 = Math.floor(s / 250);
    const o4 = 1 + (s % 250);
    out.push(`virtual_server 172.16.${o3}.${o4} 80 {`, '  lb_algo wrr', '  lb_kind NAT', '  protocol TCP');
    for (let r = 0; r < reals; r++) {
      out.push(`  real_server 192.168.${o3}.${r + 1} 8080 {`, '    TCP_CHECK { connect_timeout 3 }', '  }');
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}

const text = generate(5000, 2000, 10);
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tska-bench-')), 'big.conf');
fs.writeFileSync(file, text);
const lines = text.split('\n').length - 1;
const rssBefore = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
const r = loadConfig(file, { reader: nodeReader, configId: 'bench', env: {}, cwd: path.dirname(file) }, permissiveHost);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const peak = process.resourceUsage().maxRSS * 1024;
fs.rmSync(path.dirname(file), { recursive: true, force: true });
console.log('| config | lines | parse+validate ms | peak RSS MB | RSS before MB | diagnostics |');
console.log('|---|---|---|---|---|---|');
console.log(`| 5,000 vrrp_instance + 2,000 virtual_server x 10 real_server | ${lines} | ${ms.toFixed(0)} | ${(peak / 1048576).toFixed(0)} | ${(rssBefore / 1048576).toFixed(0)} | ${r.diagnostics.list.length} |`);
