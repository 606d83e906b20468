#!/bin/busybox sh
# PID 1 of the Layer guest initramfs (built by Initramfs.cs). It prepares the machine and hands PID 1
# to the agent on the root disk:
#   1. /proc, /sys, /dev (devtmpfs)
#   2. the kernel modules listed in /modules.order (dependencies first, computed from modules.dep)
#   3. the root disk /dev/vda (ext4) at /newroot
#   4. the workspace share (mount tag "workspace", virtio-fs or 9p) read-only at /newroot/layer/share, when present
#   5. loopback and eth0 for QEMU user networking (10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3)
#   6. exec switch_root /newroot /layer/agent
# Lines starting with "layer-init:" go to the serial console; the host waits for and reports them.
# Any failure powers the machine off, which ends the transient domain, so the host notices at once.

/bin/busybox mkdir -p /bin /proc /sys /dev /newroot
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "layer-init: $*" > /dev/console; }
fail() {
    say "FAILED: $*"
    sleep 1
    poweroff -f
}

for module in $(cat /modules.order); do
    insmod "/lib/modules/$module.ko" || fail "insmod $module"
done
say "modules loaded"

if grep -q 'layer.probe' /proc/cmdline; then
    say "probe ok"
    poweroff -f
fi

# virtio_blk probes asynchronously; give the disk a moment to appear.
tries=0
while [ ! -b /dev/vda ] && [ $tries -lt 100 ]; do sleep 0.05; tries=$((tries + 1)); done
# noinit_itable: no background zeroing of inode tables, which would only grow the overlay.
mount -t ext4 -o noinit_itable /dev/vda /newroot || fail "mount the root disk /dev/vda"
say "root disk mounted"

# The host names the workspace share's transport on the kernel command line (none: no workspace).
case " $(cat /proc/cmdline) " in
    *" layer.workspace=virtiofs "*)
        mkdir -p /newroot/layer/share
        mount -t virtiofs -o ro workspace /newroot/layer/share || fail "mount the workspace share (virtio-fs)"
        say "workspace mounted (virtio-fs)" ;;
    *" layer.workspace=9p "*)
        mkdir -p /newroot/layer/share
        mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=none workspace /newroot/layer/share \
            || fail "mount the workspace share (9p)"
        say "workspace mounted (9p)" ;;
esac

ip link set lo up
if ip link set eth0 up 2>/dev/null; then
    ip addr add 10.0.2.15/24 dev eth0
    ip route add default via 10.0.2.2
    rm -f /newroot/etc/resolv.conf
    echo "nameserver 10.0.2.3" > /newroot/etc/resolv.conf
fi

[ -x /newroot/layer/agent ] || fail "the root disk has no /layer/agent"
for fs in proc sys dev; do
    mkdir -p "/newroot/$fs"
    mount --move "/$fs" "/newroot/$fs" || fail "move /$fs into the root disk"
done
say "starting agent"
exec switch_root /newroot /layer/agent
