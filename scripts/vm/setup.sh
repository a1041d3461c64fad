#!/bin/bash
# Prepares the IPVS test VM (idempotent): apt packages, Debian's kernel unpacked into a cache, vmlinux, initramfs.
#
# The kernel package is fetched with `apt-get download` and unpacked with `dpkg-deb -x`; it is never installed,
# so the host's /boot, /lib/modules and package state stay as they are.
#
# Prints the kernel's cache directory on the last line of stdout.
# Environment: TSKA_VM_CACHE (default /var/cache/tskeepalived-vm), TSKA_VM_KPKG (kernel package; default the
# one linux-image-amd64 depends on), TSKA_VM_NO_APT=1 (never install packages; fail instead).
set -euo pipefail

cache=${TSKA_VM_CACHE:-/var/cache/tskeepalived-vm}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
note() { printf 'vm-setup: %s\n' "$*" >&2; }

packages=(qemu-system-x86 busybox-static kmod ipvsadm iproute2)
need=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || need+=("$p")
done
updated=no
refresh_lists() { [ $updated = yes ] || { apt-get -q -o DPkg::Lock::Timeout=900 update >&2; updated=yes; }; }
if [ ${#need[@]} -gt 0 ]; then
  [ "${TSKA_VM_NO_APT:-0}" != 1 ] || { note "missing packages: ${need[*]}"; exit 1; }
  refresh_lists
  note "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 "${need[@]}" >&2
fi

kpkg=${TSKA_VM_KPKG:-}
if [ -z "$kpkg" ]; then
  pick() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1; }
  kpkg=$(pick)
  [ -n "$kpkg" ] || { refresh_lists; kpkg=$(pick); }
  # Offline: keep using what was unpacked before.
  [ -n "$kpkg" ] || kpkg=$(cd "$cache" 2>/dev/null && ls -1d linux-image-* 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$kpkg" ] || { note "cannot tell which kernel linux-image-amd64 points at"; exit 1; }
fi
kver=${kpkg#linux-image-}
kdir=$cache/$kpkg

if [ ! -e "$kdir/ready" ]; then
  note "downloading and unpacking $kpkg"
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/partial.XXXXXX")
  chmod 755 "$work"
  fetch() { (cd "$work" && apt-get -q -o APT::Sandbox::User=root download "$kpkg" >&2); }
  fetch || { refresh_lists; fetch; }
  dpkg-deb -x "$work"/*.deb "$work/root"
  rm -f "$work"/*.deb
  [ -e "$work/root/boot/vmlinuz-$kver" ] || { note "$kpkg has no vmlinuz-$kver"; exit 1; }
  depmod -b "$work/root" "$kver"
  rm -rf "$kdir"
  mv "$work" "$kdir"
  touch "$kdir/ready"
fi

# QEMU can start an uncompressed ELF vmlinux at its PVH entry, skipping the BIOS loader and the in-guest
# decompressor (seconds under TCG). Find the compressed payload inside vmlinuz and inflate it.
if [ ! -e "$kdir/vmlinux" ] && [ ! -e "$kdir/vmlinux.none" ]; then
  z=$kdir/root/boot/vmlinuz-$kver
  for spec in 'xz \xfd7zXZ\x00' 'zstd \x28\xb5\x2f\xfd' 'gzip \x1f\x8b\x08'; do
    tool=${spec%% *}
    for off in $(LC_ALL=C grep -obUaP "${spec#* }" "$z" | cut -d: -f1 | head -n4); do
      tail -c +"$((off + 1))" "$z" | "$tool" -dc > "$kdir/vmlinux.part" 2>/dev/null || true
      if [ "$(head -c4 "$kdir/vmlinux.part" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
        mv "$kdir/vmlinux.part" "$kdir/vmlinux"; break 2
      fi
    done
  done
  rm -f "$kdir/vmlinux.part"
  [ -e "$kdir/vmlinux" ] || touch "$kdir/vmlinux.none"
fi

# The initramfs: static busybox, the modules that reach the host's root (virtio-pci, 9p, overlayfs) and the output consoles, our /init.
initrd=$kdir/initrd.img
if [ ! -e "$initrd" ] || [ "$here/initramfs-init" -nt "$initrd" ] || [ "$here/setup.sh" -nt "$initrd" ]; then
  note "building the initramfs"
  tree=$(mktemp -d "$cache/initrd.XXXXXX")
  mkdir -p "$tree"/{bin,dev,proc,sys,mods,ro,rw,root,ctl}
  cp /bin/busybox "$tree/bin/busybox"
  install -m 755 "$here/initramfs-init" "$tree/init"
  for m in virtio_pci 9pnet_virtio 9p overlay virtio_console; do
    modprobe -d "$kdir/root" -S "$kver" --show-depends "$m"
  done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
    name=$(basename "$ko")
    case $name in
      *.ko.xz) xz -dc "$ko" > "$tree/mods/${name%.xz}"; name=${name%.xz} ;;
      *.ko.zst) zstd -qdc "$ko" > "$tree/mods/${name%.zst}"; name=${name%.zst} ;;
      *.ko) cp "$ko" "$tree/mods/$name" ;;
      *) note "unexpected module $ko"; exit 1 ;;
    esac
    echo "$name" >> "$tree/mods/list"
  done
  mknod -m 600 "$tree/dev/console" c 5 1
  (cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$initrd.part"
  mv "$initrd.part" "$initrd"
  rm -rf "$tree"
fi

[ -n "${TSKA_VM_KPKG:-}" ] || echo "$kdir" > "$cache/current"
echo "$kdir"
