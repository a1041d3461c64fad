#!/bin/bash
# Runs one command as root inside a throw-away QEMU VM booting Debian's stock kernel (which has IPVS), and exits with its status.
#
#   scripts/vm/run.sh CMD [ARGS...]
#
# The VM's root is the host's / (9p, read-only) under a tmpfs overlay, so host binaries (node, ipvsadm, ip) work
# unchanged; the current directory is shared read-write at the same path and CMD runs there. CMD's stdout and
# stderr come back separately (two virtio consoles); its stdin is /dev/null. The VM has no network device: nothing
# on the host changes. TSKA_VM=1 is set inside so tests can tell where they are.
#
# Exit status: CMD's; 124 when TSKA_VM_TIMEOUT expired; 125 when the VM stopped before CMD ended (console shown).
# Environment: TSKA_VM_MEM (MiB, 1024), TSKA_VM_CPUS (nproc), TSKA_VM_TIMEOUT (s, 1800), TSKA_VM_ACCEL
# (auto|tcg|kvm; auto picks kvm only when the CPU shows vmx/svm: a PVM /dev/kvm cannot run a stock kernel),
# TSKA_VM_CWD_CACHE (9p cache of the shared directory: none (coherent) | loose (faster)), TSKA_VM_ENV (more
# variable names to pass in), TSKA_VM_TIMES=1 (timing line on stderr), TSKA_VM_CONSOLE=1 (kernel log on stderr),
# plus setup.sh's TSKA_VM_CACHE / TSKA_VM_KPKG / TSKA_VM_NO_APT.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ "${1:-}" != -- ] || shift
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "vm-run: needs root (9p passthrough of /)" >&2; exit 2; }

t_start=$(date +%s.%N)
cache=${TSKA_VM_CACHE:-/var/cache/tskeepalived-vm}
kdir=
# Skip setup (and its apt queries) when what it prepared last time is still current.
if [ -z "${TSKA_VM_KPKG:-}" ] && [ -r "$cache/current" ]; then
  read -r kdir < "$cache/current"
  [ -e "$kdir/ready" ] && [ -e "$kdir/initrd.img" ] && [ ! "$here/initramfs-init" -nt "$kdir/initrd.img" ] \
    && [ ! "$here/setup.sh" -nt "$kdir/initrd.img" ] && command -v qemu-system-x86_64 > /dev/null || kdir=
fi
if [ -z "$kdir" ]; then
  kdir=$("$here/setup.sh" | tail -n1) || { echo "vm-run: setup failed" >&2; exit 125; }
fi
kver=${kdir##*/linux-image-}
t_setup=$(date +%s.%N)

accel=${TSKA_VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
  accel=tcg
  [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && accel=kvm
fi
case $accel in
  kvm) accel_args=(-accel kvm -cpu host) ;;
  tcg) accel_args=(-accel tcg,thread=multi,tb-size=256 -cpu max) ;;
  *) echo "vm-run: TSKA_VM_ACCEL is auto, tcg or kvm" >&2; exit 2 ;;
esac

run=$(mktemp -d /tmp/tska-vm.XXXXXX)
ctl=$run/ctl
mkdir "$ctl"
qemu_pid='' relays=()
finish() {
  [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null
  [ ${#relays[@]} -eq 0 ] || kill "${relays[@]}" 2>/dev/null
  rm -rf "$run"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cwd=$(pwd -P)
install -m 755 "$here/guest-init" "$ctl/guest-init"
printf '%s\0' "$@" > "$ctl/argv"
echo "$cwd" > "$ctl/cwd"
echo "$kdir/root/lib/modules/$kver" > "$ctl/kmods"
share=()
if [ "$cwd" != / ]; then
  echo "${TSKA_VM_CWD_CACHE:-none}" > "$ctl/share-cwd"
  share=(-virtfs "local,path=${cwd//,/,,},mount_tag=work,security_model=passthrough,multidevs=remap")
fi
{
  for name in PATH TERM LANG LC_ALL TZ CI NODE_OPTIONS NODE_ENV NO_COLOR FORCE_COLOR ${TSKA_VM_ENV:-}; do
    [ -z "${!name+set}" ] || printf 'export %s=%q\n' "$name" "${!name}"
  done
  echo 'export TSKA_VM=1'
} > "$ctl/env"

mkfifo "$run/out.in" "$run/out.out" "$run/err.in" "$run/err.out"
cat "$run/out.out" & relays+=($!)
cat "$run/err.out" >&2 & relays+=($!)

kernel=$kdir/root/boot/vmlinuz-$kver
firmware=()
if [ -e "$kdir/vmlinux" ] && [ -e /usr/share/qemu/qboot.rom ]; then
  kernel=$kdir/vmlinux
  firmware=(-bios /usr/share/qemu/qboot.rom)
fi
cmdline="console=ttyS0 loglevel=4 panic=-1 rdinit=/init mitigations=off random.trust_cpu=on"
cmdline+=" i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd no_timer_check tsc=reliable"

timeout -k 10 "${TSKA_VM_TIMEOUT:-1800}" qemu-system-x86_64 \
  -name tska-vm -nodefaults -no-user-config -display none -no-reboot \
  -machine pc "${firmware[@]}" "${accel_args[@]}" -smp "${TSKA_VM_CPUS:-$(nproc)}" -m "${TSKA_VM_MEM:-1024}" \
  -kernel "$kernel" -initrd "$kdir/initrd.img" -append "$cmdline" -nic none \
  -serial "file:$run/console.log" \
  -virtfs "local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap" \
  -virtfs "local,path=$ctl,mount_tag=ctl,security_model=passthrough,multidevs=remap" \
  "${share[@]}" \
  -device virtio-serial-pci,id=ser \
  -chardev "pipe,id=out,path=$run/out" -device virtconsole,bus=ser.0,chardev=out \
  -chardev "pipe,id=err,path=$run/err" -device virtconsole,bus=ser.0,chardev=err \
  < /dev/null > "$run/qemu.log" 2>&1 &
qemu_pid=$!
wait "$qemu_pid"
qemu_rc=$?
qemu_pid=
t_end=$(date +%s.%N)
# QEMU is gone, so the relays reach end-of-file after copying what is left.
for _ in $(seq 50); do
  kill -0 "${relays[0]}" 2>/dev/null || kill -0 "${relays[1]}" 2>/dev/null || break
  sleep 0.1
done
wait "${relays[@]}" 2>/dev/null
relays=()

[ "${TSKA_VM_CONSOLE:-0}" != 1 ] || { echo "--- vm console ---" >&2; cat "$run/console.log" >&2; }
if [ "${TSKA_VM_TIMES:-0}" = 1 ]; then
  awk -v a="$t_start" -v b="$t_setup" -v c="$t_end" -v s="$(cat "$ctl/started" 2>/dev/null || echo nan)" \
      -v e="$(cat "$ctl/ended" 2>/dev/null || echo nan)" -v k="$kver" -v m="$accel" \
      'BEGIN { printf "vm-run: setup %.2fs, vm %.2fs (kernel %s, %s; command started at %ss of uptime, ran %.2fs)\n", b-a, c-b, k, m, s, e-s }' >&2
fi
if [ -e "$ctl/rc" ]; then exit "$(cat "$ctl/rc")"; fi
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
  echo "vm-run: timed out after ${TSKA_VM_TIMEOUT:-1800}s" >&2
  code=124
else
  echo "vm-run: the VM stopped before the command finished (qemu status $qemu_rc)" >&2
  code=125
fi
[ ! -s "$ctl/error" ] || cat "$ctl/error" >&2
echo "--- qemu ---" >&2; tail -n 20 "$run/qemu.log" >&2
echo "--- vm console (last 40 lines) ---" >&2; tail -n 40 "$run/console.log" >&2
exit "$code"
