// `npm run demo`: two tskeepalived nodes and a client in network namespaces; the client follows the VIP from n1 to n2 when n1 is killed.
import { createLan, execIn, ip, netnsSkipReason, waitFor, type Lan } from '../helpers/netns';
import { configText, hasAddress, startNode, tempDir, type Node } from '../integration/vrrp/lab';

const VIP = '192.0.2.100';

function say(s: string): void {
  process.stdout.write(`${s}\n`);
}

function neighbourMac(ns: string): string | null {
  const out = ip(['neigh', 'show', VIP], ns);
  const m = /lladdr ([0-9a-f:]{17})/.exec(out);
  return m ? m[1]! : null;
}

/**
 * Reachability without a ping binary: a TCP connect to port 7 of the VIP from the client; the
 * master's kernel answers with RST (ECONNREFUSED), which proves ARP resolved and the VIP answers.
 */
function ping(ns: string): boolean {
  const script = `const s=require('net').connect(7,'${VIP}');s.setTimeout(1000);` +
    `s.on('connect',()=>process.exit(0));s.on('error',(e)=>process.exit(e.code==='ECONNREFUSED'?0:1));s.on('timeout',()=>process.exit(1));`;
  return execIn(ns, process.execPath, ['-e', script]).status === 0;
}

async function run(): Promise<number> {
  const why = netnsSkipReason();
  if (why) {
    say(`demo needs root and network namespaces: ${why}. Run it as root: sudo npm run demo`);
    return 2;
  }
  const t0 = performance.now();
  const lan: Lan = createLan({ nodes: 3 });
  const [n1ns, n2ns, client] = lan.nodes as [typeof lan.nodes[0], typeof lan.nodes[0], typeof lan.nodes[0]];
  const nodes: Node[] = [];
  const dir = tempDir('demo');
  try {
    say(`lab: n1 ${n1ns.ipv4} (${n1ns.mac}), n2 ${n2ns.ipv4} (${n2ns.mac}), client ${client.ipv4}; VIP ${VIP}, VRRPv2 advert_int 1`);
    const n1 = startNode(n1ns, 'n1', configText({ priority: 150 }), dir);
    nodes.push(n1);
    say(`[n1] ${await n1.waitLine(/Entering BACKUP STATE \(init\)/)}`);
    say(`[n1] ${await n1.waitLine(/Entering MASTER STATE/, 10_000)}`);
    const n2 = startNode(n2ns, 'n2', configText({ priority: 100 }), dir);
    nodes.push(n2);
    say(`[n2] ${await n2.waitLine(/Entering BACKUP STATE \(init\)/)}`);
    await waitFor(() => hasAddress(n1ns.ns, VIP), 3000);
    say(`client: TCP probe to ${VIP}: ${ping(client.ns) ? 'ok' : 'FAILED'}`);
    const mac1 = neighbourMac(client.ns);
    say(`client: ARP entry for ${VIP} -> ${mac1 ?? 'none'} (n1 is ${n1ns.mac})`);
    say('killing n1 (SIGSTOP + SIGKILL of the whole daemon: no priority-0 advert)');
    const tKill = performance.now();
    n1.hardKill();
    say(`[n2] ${await n2.waitLine(/Entering MASTER STATE/, 10_000)}`);
    say(`takeover after ${((performance.now() - tKill) / 1000).toFixed(2)} s (RFC 3768 Master_Down_Interval 3.61 s after n1's last advert)`);
    await waitFor(() => hasAddress(n2ns.ns, VIP), 3000);
    await waitFor(() => neighbourMac(client.ns) === n2ns.mac, 3000).catch(() => undefined);
    const pingOk = ping(client.ns);
    const mac2 = neighbourMac(client.ns);
    say(`client: TCP probe to ${VIP}: ${pingOk ? 'ok' : 'FAILED'}`);
    say(`client: ARP entry for ${VIP} -> ${mac2 ?? 'none'} (n2 is ${n2ns.mac})`);
    const ok = mac1 === n1ns.mac && mac2 === n2ns.mac && pingOk && hasAddress(n2ns.ns, VIP);
    say(ok ? `takeover OK (${((performance.now() - t0) / 1000).toFixed(1)} s)` : 'takeover did NOT happen as expected');
    return ok ? 0 : 1;
  } finally {
    for (const n of nodes) await n.terminate(3000).catch(() => undefined);
    lan.destroy();
    say('cleaned up: daemons stopped, namespaces deleted');
  }
}

run().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
