#!/usr/bin/env bash
# The peers make bench measures lekwacht against: rsyslog and syslog-ng from Debian. Prints the root
# to run them from: empty when both are installed on the system, else a folder holding Debian's
# packages unpacked (apt-get download, dpkg -x), since rsyslog and syslog-ng-core conflict as
# installed packages (each is the system's log daemon) and neither should start as one here. Their
# libraries are installed with apt-get. Nothing of this runs in make test.
set -euo pipefail
ROOT=${PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lekwacht-bench/peers}
if command -v rsyslogd >/dev/null && command -v syslog-ng >/dev/null; then
	echo ""
	exit 0
fi
if [ -x "$ROOT/root/usr/sbin/rsyslogd" ] && [ -x "$ROOT/root/usr/sbin/syslog-ng" ]; then
	echo "$ROOT/root"
	exit 0
fi
mkdir -p "$ROOT"
{
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		libestr0 libfastjson4 liblognorm5 libcap2 libglib2.0-0 libivykis0 libjson-c5 libnet1 libpcre3 libwrap0
	cd "$ROOT"
	apt-get download rsyslog syslog-ng-core
	for deb in rsyslog_*.deb syslog-ng-core_*.deb; do dpkg -x "$deb" root; done
} >&2
echo "$ROOT/root"
