// Tests of the LVS keyword tables: virtual_server_group, virtual_server, real_server, SSL, every checker, timer inheritance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, scriptHost } from './lvs-helpers';
import { parseHexString, parseVsgAddress, resolveTimers } from '../../../src/config/keywords/lvs';
import { lvsRootKeywords } from '../../../src/config/keywords/lvs';
import { registryEntries } from '../../../src/config/keywords/registry';
import { formatIp } from '../../../src/net/ip';
import type { Checker, HttpChecker, UdpChecker, MiscChecker, DnsChecker, SmtpChecker, FileChecker, BfdChecker, CheckerCommon } from '../../../src/config/model/lvs';

const vs = (body: string, head = '10.0.0.1 80'): string => `virtual_server ${head} {\nprotocol TCP\nlvs_sched rr\nlvs_method NAT\n${body}\n}`;
const rs = (body: string): string => vs(`real_server 10.0.0.2 80 {\n${body}\n}`);
function checker<T extends Checker>(text: string): { ck: T; messages: string[] } {
  const r = run(text, { validate: false, host: scriptHost });
  const c = r.cfg.lvs.virtualServers[0]!.realServers[0]!.checkers[0];
  assert.ok(c, `no checker; diagnostics: ${r.messages.join(' | ')}`);
  return { ck: c as T, messages: r.messages };
}

test('every keyword has doc and syntax strings, and the registry walks all LVS blocks', () => {
  const entries = registryEntries({ name: 'root', keywords: lvsRootKeywords });
  assert.ok(entries.length > 100, `only ${entries.length} entries`);
  for (const e of entries) assert.ok(e.keyword.doc.length > 0, `${e.block}/${e.keyword.name} has no doc`);
  const blocks = new Set(entries.map((e) => e.block));
  for (const b of ['SSL', 'virtual_server', 'real_server', 'url', 'HTTP_GET', 'TCP_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'MISC_CHECK', 'FILE_CHECK', 'BFD_CHECK']) {
    assert.ok(blocks.has(b), `block ${b} missing`);
  }
  const bfd = entries.find((e) => e.block === 'real_server' && e.keyword.name === 'BFD_CHECK');
  assert.equal(bfd?.keyword.status, 'parsed');
});

test('SSL block fills the model and reports a replaced value', () => {
  const r = run('SSL {\npassword secret\nca /etc/ca.pem\ncertificate /etc/c.pem\nkey /etc/k.pem\nkey /etc/k2.pem\n}');
  assert.deepEqual({ ...r.cfg.lvs.ssl, loc: undefined }, { loc: undefined, password: 'secret', ca: '/etc/ca.pem', certificate: '/etc/c.pem', key: '/etc/k2.pem' });
  assert.ok(r.find('SSL keyfile already specified - replacing'));
});

test('virtual_server_group: addresses, short and full ranges, CIDR, fwmark with family', () => {
  const r = run('virtual_server_group G {\n10.0.0.1 80\n10.0.0.1-10 80\n10.0.0.250-10.0.1.5\n192.168.202.8/29 443\n2001:db8::1-ff 80\nfwmark 5 inet6\nfwmark 6\n}');
  const g = r.cfg.lvs.groups[0]!;
  assert.equal(g.name, 'G');
  assert.equal(g.entries.length, 7);
  const [a, b, c, d, e, f, h] = g.entries;
  assert.ok(a?.kind === 'range' && formatIp(a.first) === '10.0.0.1' && formatIp(a.last) === '10.0.0.1' && a.port === 80);
  assert.ok(b?.kind === 'range' && formatIp(b.last) === '10.0.0.10');
  assert.ok(c?.kind === 'range' && formatIp(c.last) === '10.0.1.5' && c.port === 0);
  assert.ok(d?.kind === 'range' && formatIp(d.first) === '192.168.202.8' && formatIp(d.last) === '192.168.202.15');
  assert.ok(e?.kind === 'range' && formatIp(e.last) === '2001:db8::ff');
  assert.deepEqual(f && { ...f, loc: null }, { kind: 'fwmark', loc: null, fwmark: 5, family: 6 });
  assert.ok(h?.kind === 'fwmark' && h.family === null);
  assert.equal(r.messages.length, 0, r.messages.join('|'));
});

test('virtual_server_group: invalid lines use keepalived wording; an empty group is removed', () => {
  const r = run('virtual_server_group G {\nbogus\nlvs_sched lblcr\n10.0.0.9-3 80\n}');
  assert.ok(r.messages.includes('Invalid virtual server group IP address bogus  - skipping'));
  assert.ok(r.messages.includes('Invalid virtual server group IP address lvs_sched /port/lblcr - skipping'));
  assert.ok(r.find('10.0.0.9-3'));
  assert.ok(r.messages.includes('virtual server group G has no entries - removing'));
  assert.equal(r.cfg.lvs.groups.length, 0);
  assert.equal(parseVsgAddress('10.0.0.1-300'), null);
});

test('virtual_server headers: IP PORT, fwmark, group; invalid address skips the block', () => {
  const r = run('virtual_server 10.0.0.300 80 {\nreal_server 1.1.1.1 80 {\n}\n}\nvirtual_server fwmark 7 {\n}\nvirtual_server group G {\n}\nvirtual_server 2001:db8::1 443 {\n}', { validate: false });
  assert.ok(r.messages.includes('Invalid virtual server IP address/port 10.0.0.300/80 - skipping'));
  const list = r.cfg.lvs.virtualServers;
  assert.equal(list.length, 3);
  assert.deepEqual(list[0]!.address, { kind: 'fwmark', fwmark: 7 });
  assert.equal(list[0]!.name, 'FWM 7');
  assert.deepEqual(list[1]!.address, { kind: 'group', group: 'G' });
  assert.equal(list[2]!.family, 6);
  assert.equal(list[2]!.name, '[2001:db8::1]:none:443');
});

test('scheduler: all 14 accepted, lb_algo synonym, invalid reported', () => {
  for (const s of ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']) {
    const r = run(`virtual_server 10.0.0.1 80 {\nlvs_sched ${s}\n}`, { validate: false });
    assert.equal(r.cfg.lvs.virtualServers[0]!.scheduler, s);
  }
  const r = run('virtual_server 10.0.0.1 80 {\nlb_algo sh\nlvs_sched xyz\n}', { validate: false });
  assert.equal(r.cfg.lvs.virtualServers[0]!.scheduler, 'sh');
  assert.ok(r.messages.includes("Invalid lvs_scheduler 'xyz' - ignoring"));
});

test('scheduler flags: sh-/mh- flags need their scheduler first (keepalived order)', () => {
  const r = run('virtual_server 10.0.0.1 80 {\nsh-port\nlvs_sched sh\nsh-port\nsh-fallback\nops\nhashed\nflag-1\nflag-2\nflag-3\nmh-port\n}', { validate: false });
  assert.deepEqual(r.cfg.lvs.virtualServers[0]!.flags, ['sh-port', 'sh-fallback', 'ops', 'hashed', 'flag-1', 'flag-2', 'flag-3']);
  assert.ok(r.messages.includes('sh-port only applies to sh scheduler - ignoring'));
  assert.ok(r.messages.includes('mh-port only applies to mh scheduler - ignoring'));
  const m = run('virtual_server 10.0.0.1 80 {\nlvs_sched mh\nmh-port\nmh-fallback\n}', { validate: false });
  assert.deepEqual(m.cfg.lvs.virtualServers[0]!.flags, ['mh-port', 'mh-fallback']);
});

test('lvs_method / lb_kind with tunnel options', () => {
  const get = (line: string) => run(`virtual_server 10.0.0.1 80 {\n${line}\n}`, { validate: false });
  assert.deepEqual(get('lvs_method DR').cfg.lvs.virtualServers[0]!.lvsMethod, { method: 'DR' });
  assert.deepEqual(get('lb_kind TUN').cfg.lvs.virtualServers[0]!.lvsMethod, { method: 'TUN', tunnelType: 'ipip' });
  assert.deepEqual(get('lvs_method TUN type gue port 6080 remcsum').cfg.lvs.virtualServers[0]!.lvsMethod, { method: 'TUN', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'remcsum' });
  assert.deepEqual(get('lvs_method TUN type gre csum').cfg.lvs.virtualServers[0]!.lvsMethod, { method: 'TUN', tunnelType: 'gre', tunnelChecksum: 'csum' });
  const bad = get('lvs_method nat');
  assert.equal(bad.cfg.lvs.virtualServers[0]!.lvsMethod, null);
  assert.ok(bad.messages.includes('PARSER : unknown [nat] routing method for virtual server.'));
  assert.ok(get('lvs_method TUN type gue').find('gue tunnel requires a port'));
  assert.ok(get('lvs_method TUN type gre remcsum').find('remcsum not supported for gre'));
});

test('persistence, protocol, ip_family, flags and pool keywords', () => {
  const r = run(
    'virtual_server 10.0.0.1 80 {\npersistence_timeout\npersistence_granularity 255.255.255.0\npersistence_engine sip\nprotocol sctp\nha_suspend\nvirtualhost www.x\nsnmp_name svc\nsmtp_alert off\nalpha\nomega\nquorum 3\nhysteresis 1\ninhibit_on_failure\nweight 5\nip_family inet\n}',
    { validate: false },
  );
  const v = r.cfg.lvs.virtualServers[0]!;
  assert.equal(v.persistenceTimeout, 360);
  assert.equal(v.persistenceGranularity, '255.255.255.0');
  assert.equal(v.persistenceEngine, 'sip');
  assert.equal(v.protocol, 'SCTP');
  assert.deepEqual([v.haSuspend, v.virtualhost, v.snmpName, v.smtpAlert, v.alpha, v.omega, v.quorum, v.hysteresis, v.inhibitOnFailure, v.weight, v.family], [true, 'www.x', 'svc', false, true, true, 3, 1, true, 5, 4]);
  assert.equal(r.messages.length, 0, r.messages.join('|'));
});

test('persistence_granularity alone implies 360 s; bad values use keepalived wording', () => {
  const r = run('virtual_server 10.0.0.1 80 {\npersistence_granularity 255.0.255.0\npersistence_timeout 0\nprotocol ICMP\nquorum 0\nhysteresis -1\nip_family inet9\nip_family inet6\n}', { validate: false });
  const v = r.cfg.lvs.virtualServers[0]!;
  assert.deepEqual(r.messages, [
    'IPv4 persistence_granularity netmask is not solid - 255.0.255.0',
    "number '0' outside range [1, 2678400]",
    'persistence_timeout invalid',
    'Unknown protocol ICMP - ignoring',
    "number '0' outside range [1, 4294967295]",
    'Quorum 0 must be in [1, 4294967295]. Setting to 1.',
    "negative number '-1'",
    'Hysteresis -1 must be in [0, 4294967295] - ignoring',
    'unknown address family inet9',
    'Virtual server specified family inet6 conflicts with server family',
  ]);
  assert.equal(v.quorum, 1);
  // keepalived takes a non-solid IPv4 mask as it is (corpus 1542: no message, exit 0); our warning
  // about it does not count, and the mask implies the 360 s persistence default.
  assert.equal(v.persistenceGranularity, '255.0.255.0');
  assert.equal(v.persistenceTimeout, 360);
  assert.equal(r.diag.list.find((d) => d.message.includes('not solid'))?.extra, true);
  const g = run('virtual_server fwmark 1 {\npersistence_granularity 64\n}', { validate: false }).cfg.lvs.virtualServers[0]!;
  assert.deepEqual([g.persistenceGranularity, g.family, g.persistenceTimeout], ['64', 6, 360]);
});

test('sorry_server and its inhibit / lvs_method; misuse before sorry_server', () => {
  const r = run('virtual_server 10.0.0.1 80 {\nsorry_server_inhibit\nsorry_server_lvs_method DR\nsorry_server 10.0.0.9 8080\nsorry_server_inhibit\nsorry_server_lvs_method DR\n}', { validate: false });
  const ss = r.cfg.lvs.virtualServers[0]!.sorryServer!;
  assert.equal(formatIp(ss.address), '10.0.0.9');
  assert.deepEqual([ss.port, ss.inhibit, ss.lvsMethod], [8080, true, { method: 'DR' }]);
  assert.ok(r.messages.includes('Ignoring sorry_server inhibit used before or without sorry_server'));
  assert.ok(r.messages.includes('sorry_server forwarding used without sorry_server'));
});

test('real_server keywords', () => {
  const r = run(
    vs('real_server 10.0.0.2 8080 {\nweight 0\nlvs_method TUN\nuthreshold 100\nlthreshold 10\ninhibit_on_failure\nnotify_up "/bin/up arg"\nnotify_down /bin/down\nalpha yes\nsmtp_alert\nvirtualhost h\nsnmp_name n\n}'),
    { validate: false, host: scriptHost },
  );
  const s = r.cfg.lvs.virtualServers[0]!.realServers[0]!;
  assert.deepEqual([s.port, s.weight, s.lvsMethod?.method, s.uthreshold, s.lthreshold, s.inhibitOnFailure, s.alpha, s.smtpAlert, s.virtualhost, s.snmpName], [8080, 0, 'TUN', 100, 10, true, true, true, 'h', 'n']);
  assert.equal(s.notifyUp?.command, '/bin/up arg');
  assert.deepEqual(s.notifyUp?.argv, ['/bin/up', 'arg']);
  assert.equal(s.notifyDown?.command, '/bin/down');
  assert.equal(r.messages.length, 0, r.messages.join('|'));
});

test('real_server bad values: weight range, thresholds, duplicate notify, bad address', () => {
  const r = run(vs('real_server 10.0.0.2 80 {\nweight -3\nuthreshold x\nnotify_up /a\nnotify_up /b\nalpha maybe\n}\nreal_server 10.0.0.999 80 {\n}'), { validate: false });
  assert.ok(r.messages.includes("negative number '-3'"));
  assert.ok(r.messages.includes('Real server weight -3 is outside range 0-2147483647'));
  assert.ok(r.messages.includes("Invalid real_server uthreshold 'x' - ignoring"));
  assert.ok(r.messages.includes('((null)) notify_up script already specified - ignoring /b'));
  assert.ok(r.messages.includes('Invalid alpha parameter maybe'));
  assert.ok(r.find('Invalid real server ip address/port 10.0.0.999/80'));
  assert.equal(r.cfg.lvs.virtualServers[0]!.realServers.length, 1);
  assert.equal(r.cfg.lvs.virtualServers[0]!.realServers[0]!.weight, 1);
});

test('quorum_up / quorum_down scripts; second one ignored with the group label', () => {
  const r = run('virtual_server group G {\nquorum_up "/bin/q up"\nquorum_down /bin/qd\nquorum_up /bin/again\n}', { validate: false });
  const v = r.cfg.lvs.virtualServers[0]!;
  assert.equal(v.quorumUp?.command, '/bin/q up');
  assert.equal(v.quorumDown?.command, '/bin/qd');
  assert.ok(r.messages.includes('(G) quorum_up script already specified - ignoring /bin/again'));
});

test('timer inheritance VS -> RS -> checker, in microseconds, with per-type defaults', () => {
  const r = run(
    vs(
      'delay_loop 10\nconnect_timeout 2.5\nretry 4\nreal_server 10.0.0.2 80 {\ndelay_before_retry 0.5\nwarmup 3\nTCP_CHECK {\nretry 7\n}\nHTTP_GET {\nurl {\npath /\n}\n}\nDNS_CHECK {\n}\n}\nreal_server 10.0.0.3 80 {\nDNS_CHECK {\n}\nHTTP_GET {\nurl {\npath /\n}\n}\n}',
    ),
    { validate: false },
  );
  const [rs1, rs2] = r.cfg.lvs.virtualServers[0]!.realServers;
  const t = (c: Checker | undefined) => (c as CheckerCommon).timers;
  assert.deepEqual(rs1!.timers, { connectTimeout: 2_500_000, retry: 4, delayBeforeRetry: 500_000, warmup: 3_000_000, delayLoop: 10_000_000 });
  assert.deepEqual(t(rs1!.checkers[0]), { connectTimeout: 2_500_000, retry: 7, delayBeforeRetry: 500_000, warmup: 3_000_000, delayLoop: 10_000_000 });
  assert.deepEqual(t(rs1!.checkers[1]).retry, 4);
  // rs2 sets nothing: DNS_CHECK's delay_before_retry defaults to delay_loop, HTTP's to 3 s; retry is inherited from the VS.
  assert.equal(t(rs2!.checkers[0]).delayBeforeRetry, 10_000_000);
  assert.equal(t(rs2!.checkers[1]).delayBeforeRetry, 3_000_000);
  assert.equal(t(rs2!.checkers[0]).retry, 4);
  assert.deepEqual(resolveTimers('DNS_CHECK', {}, {}, {}), { connectTimeout: 5_000_000, retry: 3, delayBeforeRetry: 60_000_000, warmup: 0, delayLoop: 60_000_000 });
  assert.deepEqual(resolveTimers('TCP_CHECK', {}, {}, {}), { connectTimeout: 5_000_000, retry: 1, delayBeforeRetry: 1_000_000, warmup: 0, delayLoop: 60_000_000 });
  assert.equal(resolveTimers('MISC_CHECK', {}, {}, {}).retry, 0);
});

test('timer and retry errors use keepalived wording', () => {
  const r = run(vs('delay_loop abc\nretry 0\nreal_server 10.0.0.2 80 {\nconnect_timeout 0\n}'), { validate: false });
  for (const m of ["invalid number 'abc'", "virtual server delay loop 'abc' invalid - ignoring", "number '0' outside range [1, 4294967295]", 'retry value invalid - 0', "number '0' outside range [0.000001, 4294.967295]", "connect_timeout '0' invalid - ignoring"]) {
    assert.ok(r.messages.includes(m), `missing ${m}: ${r.messages.join(' | ')}`);
  }
});

test('common checker options on TCP_CHECK', () => {
  const { ck, messages } = checker<CheckerCommon & { type: 'TCP_CHECK' }>(rs('TCP_CHECK {\nconnect_ip 10.9.9.9\nconnect_port 8443\nbindto 10.0.0.100\nbind_port 5000\nbind_if eth0\nfwmark 12\nconnect_timeout 1\nretry 2\ndelay_before_retry 2\nwarmup 1\ndelay_loop 6\nalpha\nlog_all_failures on\n}'));
  assert.equal(ck.type, 'TCP_CHECK');
  assert.equal(formatIp(ck.connectIp!), '10.9.9.9');
  assert.equal(formatIp(ck.bindTo!), '10.0.0.100');
  assert.deepEqual([ck.connectPort, ck.bindPort, ck.bindIf, ck.fwmark, ck.alpha, ck.logAllFailures], [8443, 5000, 'eth0', 12, true, true]);
  assert.deepEqual(ck.timers, { connectTimeout: 1_000_000, retry: 2, delayBeforeRetry: 2_000_000, warmup: 1_000_000, delayLoop: 6_000_000 });
  assert.deepEqual(messages, []);
  const bad = run(rs('TCP_CHECK {\nconnect_port 0\nconnect_ip nope\n}'), { validate: false });
  assert.ok(bad.messages.includes("number '0' outside range [1, 65535]"));
  assert.ok(bad.messages.includes("Invalid checker connect_port '0'"));
  assert.ok(bad.find("connect_ip address 'nope'"));
});

test('HTTP_GET / SSL_GET options and url blocks', () => {
  const { ck, messages } = checker<HttpChecker>(
    rs('SSL_GET {\nhttp_protocol 1.1\nvirtualhost example.org\nsni_name sni.example\nfast_recovery\ntls_compliant\nurl {\npath /health\ndigest 9B3A0C85A887A256D6939DA88AABD8CD\nstatus_code 200 300-399 503\nvirtualhost u.example\nregex "^OK"\nregex_no_match\nregex_options caseless multiline\nregex_min_offset 2\nregex_max_offset 100\nregex_stack 1024 65536\ntls_compliant\n}\nurl {\npath /\n}\n}'),
  );
  assert.equal(ck.type, 'SSL_GET');
  assert.deepEqual([ck.httpProtocol, ck.virtualhost, ck.enableSni, ck.sniName, ck.fastRecovery, ck.tlsCompliant], ['1.1', 'example.org', true, 'sni.example', true, true]);
  const [u1, u2] = ck.urls;
  assert.equal(u1!.path, '/health');
  assert.equal(u1!.digest, '9b3a0c85a887a256d6939da88aabd8cd');
  assert.deepEqual(u1!.statusCodes, [{ min: 200, max: 200 }, { min: 300, max: 399 }, { min: 503, max: 503 }]);
  assert.deepEqual([u1!.virtualhost, u1!.regex, u1!.regexNoMatch, u1!.regexOptions, u1!.regexMinOffset, u1!.regexMaxOffset, u1!.regexStack, u1!.tlsCompliant], ['u.example', '^OK', true, ['caseless', 'multiline'], 2, 100, { start: 1024, max: 65536 }, true]);
  assert.deepEqual(u2!.statusCodes, [{ min: 200, max: 299 }], 'default status 200-299');
  assert.deepEqual(messages, []);
});

test('HTTP_GET errors: url without path, digest length, status codes, protocol, nb_get_retry, duplicates', () => {
  const r = run(rs('HTTP_GET {\nnb_get_retry 3\nhttp_protocol 2.0\nurl {\n}\nurl {\npath /\ndigest 12\ndigest zz3a0c85a887a256d6939da88aabd8cd\nstatus_code 200 abc 150-100 700\nvirtualhost a\nvirtualhost b\nregex x\nregex y\n}\n}'), { validate: false });
  const ck = r.cfg.lvs.virtualServers[0]!.realServers[0]!.checkers[0] as HttpChecker;
  for (const m of [
    'HTTP/SSL_GET checker url has no path - ignoring',
    'Invalid http_protocol version 2.0',
    "digest '12' character length should be 32 rather than 2",
    "Invalid HTTP_GET status code 'abc'",
    "Invalid HTTP_GET status code '150-100'",
    "Invalid HTTP_GET status code '700'",
    'Duplicate url virtualhost - overwriting a with b',
    'Duplicate regex specified - replacing x with y',
  ]) {
    assert.ok(r.messages.includes(m), `missing ${m}: ${r.messages.join(' | ')}`);
  }
  assert.ok(r.diag.list.some((d) => d.cls === 'DEPRECATED' && d.message.includes('nb_get_retry')));
  assert.equal(ck.own.retry, 3);
  assert.equal(ck.urls.length, 1);
  assert.deepEqual(ck.urls[0]!.statusCodes, [{ min: 200, max: 200 }]);
  assert.equal(ck.urls[0]!.digest, null);
});

test('SMTP_CHECK helo_name and deprecated host{}', () => {
  const r = run(rs('SMTP_CHECK {\nhelo_name mail.example\nhelo_name again\nhost {\nconnect_ip 10.1.1.1\nconnect_port 25\n}\n}'), { validate: false });
  const ck = r.cfg.lvs.virtualServers[0]!.realServers[0]!.checkers[0] as SmtpChecker;
  assert.equal(ck.heloName, 'mail.example');
  assert.equal(ck.connectPort, 25);
  assert.equal(formatIp(ck.connectIp!), '10.1.1.1');
  assert.ok(r.messages.includes('SMTP_CHECK helo name already specified'));
  assert.ok(r.diag.list.some((d) => d.cls === 'DEPRECATED'));
});

test('DNS_CHECK type and name with defaults', () => {
  const d = checker<DnsChecker>(rs('DNS_CHECK {\n}')).ck;
  assert.deepEqual([d.queryType, d.name, d.timers.retry], ['SOA', '.', 3]);
  const r = run(rs('DNS_CHECK {\ntype aaaa\nname example.org\ntype BOGUS\n}'), { validate: false });
  const c = r.cfg.lvs.virtualServers[0]!.realServers[0]!.checkers[0] as DnsChecker;
  assert.deepEqual([c.queryType, c.name], ['AAAA', 'example.org']);
  assert.ok(r.messages.includes('Unknown DNS check type BOGUS - ignoring'));
});

test('UDP_CHECK payload, require_reply with X nibbles, reply lengths', () => {
  const { ck } = checker<UdpChecker>(rs('UDP_CHECK {\npayload Ab12f 3 456\nrequire_reply 0X1 fx\nmin_reply_length 2\nmax_reply_length 100\n}'));
  assert.deepEqual([...ck.payload!], [0xab, 0x12, 0x0f, 0x03, 0x45, 0x06]);
  assert.equal(ck.requireReply, true);
  assert.deepEqual([...ck.replyMatch!.data], [0x00, 0x01, 0xf0]);
  assert.deepEqual([...ck.replyMatch!.mask], [0xf0, 0xff, 0xf0]);
  assert.deepEqual([ck.minReplyLength, ck.maxReplyLength], [2, 100]);
  assert.deepEqual([...parseHexString(['Ab12f', '3', '456', '546443123'], false)!.data], [0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03]);
  const bare = checker<UdpChecker>(rs('UDP_CHECK {\nrequire_reply\n}')).ck;
  assert.deepEqual([bare.requireReply, bare.replyMatch, bare.minReplyLength, bare.maxReplyLength], [true, null, 0, 255]);
  const bad = run(rs('UDP_CHECK {\npayload zz\nrequire_reply qq\nmin_reply_length 5\nmax_reply_length 3\n}'), { validate: false });
  assert.ok(bad.messages.includes('Invalid hex string for UDP_CHECK payload'));
  assert.ok(bad.messages.includes('Invalid hex string for UDP_CHECK require_reply'));
  assert.ok(bad.messages.includes('UDP_CHECK min_reply length 5 > max_reply_length 3 - will always fail'));
});

test('PING_CHECK and MISC_CHECK', () => {
  assert.equal(checker(rs('PING_CHECK {\n}')).ck.type, 'PING_CHECK');
  const { ck } = checker<MiscChecker>(rs('MISC_CHECK {\nmisc_path "/usr/bin/check --fast"\nmisc_timeout 7\nmisc_dynamic\nuser nobody\ndelay_loop 9\n}'));
  assert.deepEqual([ck.path, ck.argv, ck.timeout, ck.dynamic, ck.enabled, ck.timers.delayLoop, ck.timers.retry], ['/usr/bin/check --fast', ['/usr/bin/check', '--fast'], 7_000_000, true, true, 9_000_000, 0]);
  const dflt = checker<MiscChecker>(vs('delay_loop 4\nreal_server 10.0.0.2 80 {\nMISC_CHECK {\nmisc_path /x\n}\n}')).ck;
  assert.equal(dflt.timeout, 4_000_000, 'misc_timeout defaults to delay_loop');
  const r = run(rs('MISC_CHECK {\nmisc_timeout 5\nconnect_port 80\n}'), { validate: false });
  assert.ok(r.messages.includes('No script path has been specified for MISC_CHECKER - skipping'));
  assert.ok(r.messages.includes("Unknown keyword 'connect_port'"), 'MISC_CHECK has no connection options');
  assert.equal(r.cfg.lvs.virtualServers[0]!.realServers[0]!.checkers.length, 0);
});

test('FILE_CHECK and BFD_CHECK', () => {
  const f = checker<FileChecker>(rs('FILE_CHECK {\ntrack_file TF1\nweight -5 reverse\n}')).ck;
  assert.deepEqual([f.trackFile, f.weight, f.reverse], ['TF1', -5, true]);
  const r = run(rs('FILE_CHECK {\nweight 3 bogus\n}'), { validate: false });
  assert.ok(r.messages.includes('unknown track file weight option bogus - ignoring'));
  assert.ok(r.messages.includes('FILE_CHECK has no track_file specified - ignoring'));
  const b = checker<BfdChecker>(rs('BFD_CHECK {\nname bfd1\nalpha\n}')).ck;
  assert.deepEqual([b.name, b.alpha], ['bfd1', true]);
});
