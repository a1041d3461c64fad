// Turns `strace -e write=all -e read=all` logs of ipvsadm (capture.sh) into captured.json: the netlink bytes as hex.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const runs = [];
for (const f of readdirSync(dir).filter((x) => x.endsWith('.strace')).sort()) {
  const base = f.slice(0, -'.strace'.length);
  const argv = readFileSync(join(dir, `${base}.argv`), 'utf8').split('\0').filter((x) => x !== '');
  const messages = [];
  let cur = null;
  for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
    const call = /^(sendmsg|recvmsg)\(/.exec(line);
    if (call) {
      cur = { direction: call[1] === 'sendmsg' ? 'sent' : 'received', hex: '' };
      messages.push(cur);
      continue;
    }
    // ` | 00000  xx xx xx xx xx xx xx xx  xx xx xx xx xx xx xx xx  ascii |`: the hex columns are 49 characters.
    if (cur && /^ \| [0-9a-f]{5}  /.test(line)) cur.hex += (line.slice(10, 59).match(/[0-9a-f]{2}/g) ?? []).join('');
  }
  runs.push({
    name: base.replace(/^\d+-/, ''),
    argv: ['ipvsadm', ...argv],
    output: readFileSync(join(dir, `${base}.stdout`), 'utf8'),
    // libnl peeks (MSG_PEEK) before each real recvmsg: keep one copy of each received datagram.
    messages: messages.filter((m, i) => m.hex !== '' && !(m.direction === 'received' && i > 0
      && messages[i - 1].direction === 'received' && messages[i - 1].hex === m.hex)),
  });
}
process.stdout.write(`${JSON.stringify({ source: 'ipvsadm 1.31 (Debian 1:1.31-1+b1) under strace 6.1 in the test VM; see capture.sh', runs }, null, 1)}\n`);
