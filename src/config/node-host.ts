// HostFacts read from this machine: /sys/class/net, /etc/passwd and /etc/group, stat(2), access(2).
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { FileFacts, HostFacts, UserFacts } from './host-facts';

function readTable(path: string): string[][] {
  try {
    return fs
      .readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** Facts about the running host. Interfaces are looked up in `netnsSysfs` (default /sys/class/net). */
export function nodeHost(opts: { sysClassNet?: string } = {}): HostFacts {
  const sysNet = opts.sysClassNet ?? '/sys/class/net';
  let users: Map<string, UserFacts> | undefined;
  let groups: Map<string, number> | undefined;
  const loadUsers = (): Map<string, UserFacts> => {
    if (!users) {
      users = new Map();
      for (const f of readTable('/etc/passwd')) if (f.length >= 4) users.set(f[0]!, { uid: Number(f[2]), gid: Number(f[3]) });
    }
    return users;
  };
  const loadGroups = (): Map<string, number> => {
    if (!groups) {
      groups = new Map();
      for (const f of readTable('/etc/group')) if (f.length >= 3) groups.set(f[0]!, Number(f[2]));
    }
    return groups;
  };
  return {
    hostname: os.hostname(),
    interfaceExists(name) {
      if (!name || name.includes('/') || name === '.' || name === '..') return false;
      return fs.existsSync(`${sysNet}/${name}`);
    },
    user(name) {
      if (/^\d+$/.test(name)) return { uid: Number(name), gid: Number(name) };
      return loadUsers().get(name) ?? null;
    },
    group(name) {
      if (/^\d+$/.test(name)) return Number(name);
      return loadGroups().get(name) ?? null;
    },
    stat(path, nofollow) {
      try {
        const s = nofollow ? fs.lstatSync(path) : fs.statSync(path);
        const f: FileFacts = { uid: s.uid, gid: s.gid, mode: s.mode, isFile: s.isFile(), isDirectory: s.isDirectory(), isSymlink: s.isSymbolicLink() };
        return f;
      } catch {
        return null;
      }
    },
    netNamespaceExists(name) {
      // keepalived opens /var/run/netns/NAME (where `ip netns add` puts it).
      if (!name || name.includes('/') || name === '.' || name === '..') return false;
      return fs.existsSync(`/var/run/netns/${name}`);
    },
    executable(path) {
      try {
        fs.accessSync(path, fs.constants.X_OK);
        return fs.statSync(path).isFile();
      } catch {
        return false;
      }
    },
  };
}
