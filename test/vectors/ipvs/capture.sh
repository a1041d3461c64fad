#!/bin/bash
# Captures golden IPVS generic-netlink messages from ipvsadm 1.31 against Debian's 6.1 kernel, inside the test VM.
# Run from the repository root:  scripts/vm/run.sh test/vectors/ipvs/capture.sh
# Every ipvsadm call runs under `strace -e write=all -e read=all`, which dumps the bytes of each sendmsg/recvmsg;
# extract-strace.mjs turns those dumps into captured.json (hex + the ipvsadm command + direction).
set -euo pipefail
[ "${TSKA_VM:-0}" = 1 ] || { echo "capture.sh: run inside the VM (scripts/vm/run.sh)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=/tmp/capture
mkdir -p "$out"
modprobe ip_vs
# A namespace of our own, so that the services start from nothing.
ip netns add vec
ip -n vec link set lo up
n=0
cap() {
  local name=$1; shift
  n=$((n + 1))
  printf '%s\0' "$@" > "$out/$(printf %02d $n)-$name.argv"
  ip netns exec vec strace -qq -o "$out/$(printf %02d $n)-$name.strace" -e trace=sendmsg,recvmsg -e write=all -e read=all \
    ipvsadm "$@" > "$out/$(printf %02d $n)-$name.stdout" 2>&1 || true
}
cap get-info -L -n
cap new-service-tcp4 -A -t 192.0.2.1:80 -s wlc
cap new-dest-nat -a -t 192.0.2.1:80 -r 10.0.0.2:8080 -m -w 3 -x 100 -y 10
cap set-dest -e -t 192.0.2.1:80 -r 10.0.0.2:8080 -m -w 5
cap new-service-udp6-sh -A -u [2001:db8::1]:53 -s sh -b sh-port,sh-fallback -o -p 300 -M 64
cap new-dest-dr6 -a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -g -w 1
cap new-service-fwmark-pe -A -f 7 -s rr -p 60 --pe sip
cap new-dest-tun-gue -a -f 7 -r 10.0.0.3 -i --tun-type gue --tun-port 6080 --tun-csum -w 2
cap new-service-sctp -A --sctp-service 192.0.2.2:3868 -s mh -b mh-port
cap list -L -n
cap dest-missing-service -a -t 192.0.2.99:80 -r 10.0.0.9:80 -g
cap service-exists -A -t 192.0.2.1:80 -s rr
cap set-config --set 900 120 300
cap get-config -L --timeout
cap new-daemon --start-daemon master --mcast-interface lo --syncid 5
cap get-daemon -L --daemon
cap del-daemon --stop-daemon master
cap del-dest -d -t 192.0.2.1:80 -r 10.0.0.2:8080
cap del-service -D -t 192.0.2.1:80
cap flush -C
ip netns del vec
node "$here/extract-strace.mjs" "$out" > "$here/captured.json"
uname -r > "$here/captured.kernel"
echo "captured $n ipvsadm runs"
