#!/usr/bin/env bash
# scripts/deb-check.sh [PACKAGE.deb]: install the Debian package of make deb for real and check what it
# installed, as the README's "Installing on a log server" has an admin do it: dpkg -i; the user, the
# folders and the config with their owners and modes; `lekwacht config check` as the service user;
# systemd-analyze verify of the installed unit; logrotate -d of its rotation; lekwacht version; a token;
# lekwacht run as the service user with /healthz, lekwacht status and incidents list beside it; an
# upgrade that keeps an edited config; dpkg -r and dpkg --purge. As root, on a machine without lekwacht
# installed (CI: a fresh Debian 12). The user lekwacht, /var/lib/lekwacht and /etc/lekwacht, which a
# purge keeps, are removed at the end when this script made them; KEEP=1 leaves everything installed
# for a look.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
fail() {
	printf '\ndeb-check: FAIL: %s\n' "$*" >&2
	exit 1
}
trap 'rc=$?; [ $rc -eq 0 ] || printf "deb-check: FAIL: line %s exited %s: %s\n" "$LINENO" "$rc" "$BASH_COMMAND" >&2' ERR

[ "$(id -u)" -eq 0 ] || fail "run as root: it installs and removes the package lekwacht"
for tool in dpkg dpkg-deb runuser setpriv systemd-analyze systemd-sysusers; do
	command -v "$tool" >/dev/null || fail "$tool not found (apt-get install systemd util-linux)"
done
if dpkg-query -W -f '${Status}' lekwacht 2>/dev/null | grep -q ' installed$\| config-files$'; then
	fail "the package lekwacht is installed on this machine already (dpkg -s lekwacht): this check installs and purges it, so run it where lekwacht is not installed"
fi

deb=${1:-}
if [ -z "$deb" ]; then
	shopt -s nullglob
	debs=(dist/lekwacht_*.deb)
	[ ${#debs[@]} -eq 1 ] || fail "want exactly one dist/lekwacht_*.deb (make deb), found ${#debs[@]}; or name the package: $0 PACKAGE.deb"
	deb=${debs[0]}
fi
[ -f "$deb" ] || fail "$deb: no such package"

made_user=yes
id lekwacht >/dev/null 2>&1 && made_user=""
made_register=yes
[ -e /var/lib/lekwacht ] && made_register=""
made_etc=yes
[ -e /etc/lekwacht ] && made_etc=""
work=$(mktemp -d /tmp/lekwacht-deb-check.XXXXXX)
daemon=""
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	rm -rf "$work"
	[ "${KEEP:-}" = 1 ] && return
	dpkg-query -W lekwacht >/dev/null 2>&1 && dpkg --purge lekwacht >/dev/null 2>&1
	[ -n "$made_register" ] && rm -rf /var/lib/lekwacht
	[ -n "$made_etc" ] && rm -rf /etc/lekwacht
	[ -n "$made_user" ] && id lekwacht >/dev/null 2>&1 && userdel lekwacht
	return 0
}
trap cleanup EXIT

# want PATH OWNER:GROUP MODE: the installed file or folder has that owner, group and mode.
want() {
	local got
	got=$(stat -c '%U:%G %a' "$1") || fail "$1 was not installed"
	[ "$got" = "$2 $3" ] || fail "$1 is $got, want $2 $3"
	echo "$1: $got"
}

step "package $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Architecture\|Depends\|Installed-Size\):/&/p'
version=$(dpkg-deb --field "$deb" Version)

step "dpkg -i $deb"
dpkg -i "$deb" || fail "dpkg -i $deb"
dpkg-query -W -f '${Status} ${Version}\n' lekwacht | grep -q "^install ok installed $version$" || fail "dpkg does not list lekwacht $version as installed"

step "the service user, the folders, the config"
id lekwacht || fail "no user lekwacht after the install (systemd-sysusers lekwacht.conf in postinst)"
id -nG lekwacht | grep -qw adm || fail "lekwacht is not in the group adm, so it cannot read the logs"
[ "$(getent passwd lekwacht | cut -d: -f7)" = /usr/sbin/nologin ] || fail "lekwacht has a login shell"
want /usr/bin/lekwacht root:root 755
want /etc/lekwacht root:lekwacht 750
want /etc/lekwacht/lekwacht.yaml root:lekwacht 640
want /etc/lekwacht/rules root:lekwacht 750
want /var/lib/lekwacht lekwacht:lekwacht 700
want /usr/lib/systemd/system/lekwacht.service root:root 644
dpkg-query -W -f '${Conffiles}\n' lekwacht | grep -q ' /etc/lekwacht/lekwacht.yaml ' || fail "/etc/lekwacht/lekwacht.yaml is no conffile: an upgrade would overwrite the admin's edits"

step "lekwacht version"
lekwacht version | tee "$work/version"
grep -qF "lekwacht $version (commit " "$work/version" || fail "lekwacht version does not say the package's version $version"
grep -q 'commit [0-9a-f]\{7,\}' "$work/version" || fail "lekwacht version names no commit"
grep -q 'built [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T' "$work/version" || fail "lekwacht version names no build date"

step "runuser -u lekwacht -- lekwacht config check --config /etc/lekwacht/lekwacht.yaml"
runuser -u lekwacht -- lekwacht config check --config /etc/lekwacht/lekwacht.yaml >"$work/check" 2>"$work/check.err" ||
	{ cat "$work/check.err" >&2; fail "lekwacht config check of the installed config, as the service user, exited $?"; }
cat "$work/check.err"
echo "(exit 0; the effective config: $(wc -l <"$work/check") lines)"

step "systemd-analyze verify /usr/lib/systemd/system/lekwacht.service"
# On a machine without systemd as init (a container) verify also names units it cannot find there,
# such as network-online.target; only what it says about lekwacht counts.
systemd-analyze verify /usr/lib/systemd/system/lekwacht.service >"$work/verify" 2>&1 || true
cat "$work/verify"
if grep -i lekwacht "$work/verify"; then
	fail "systemd-analyze verify found problems in the installed unit (above)"
fi
echo "no complaint about lekwacht.service"

if command -v logrotate >/dev/null; then
	step "logrotate -d /etc/logrotate.d/lekwacht"
	logrotate -d -s "$work/logrotate.state" /etc/logrotate.d/lekwacht >"$work/logrotate" 2>&1 ||
		{ cat "$work/logrotate" >&2; fail "logrotate -d /etc/logrotate.d/lekwacht"; }
	if grep -i 'error' "$work/logrotate"; then
		fail "logrotate -d /etc/logrotate.d/lekwacht reports errors (above)"
	fi
	echo "parsed, no error"
fi

step "lekwacht tokens add deb-check --role admin (as root)"
lekwacht tokens add deb-check --role admin >"$work/token" 2>"$work/token.err" ||
	{ cat "$work/token.err" >&2; fail "lekwacht tokens add"; }
cat "$work/token.err"
want /etc/lekwacht/tokens.yaml lekwacht:lekwacht 600
token=$(grep -o 'lw_[A-Za-z0-9_-]*' "$work/token" | head -1)
[ -n "$token" ] || fail "tokens add printed no token"
runuser -u lekwacht -- lekwacht tokens list

step "lekwacht run as the service user; /healthz; lekwacht status; incidents list"
# systemd is not init everywhere this runs (containers), so the daemon runs as the unit would run it:
# the service user with its groups, umask 0077, the installed config; another port than a real one.
listen=127.0.0.1:18470
(umask 0077 && exec setpriv --reuid=lekwacht --regid=lekwacht --init-groups \
	env LEKWACHT_HTTP_LISTEN=$listen lekwacht run --config /etc/lekwacht/lekwacht.yaml) >"$work/run.log" 2>&1 &
daemon=$!
health=""
for _ in $(seq 1 100); do
	if health=$(exec 2>/dev/null 3<>/dev/tcp/${listen%:*}/${listen##*:} && printf 'GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n' >&3 && cat <&3); then
		break
	fi
	kill -0 "$daemon" 2>/dev/null || { cat "$work/run.log" >&2; fail "lekwacht run as the service user exited at start"; }
	sleep 0.2
done
printf '%s\n' "$health" | tr -d '\r' | sed -n '1p;/^$/,$p' | tr -s '\n' ' '
echo
printf '%s\n' "$health" | grep -q '"status"' || { cat "$work/run.log" >&2; fail "no /healthz from lekwacht run on $listen"; }
printf '%s\n' "$health" | grep -qF "\"version\": \"$version\"" || fail "/healthz does not say the package's version $version"
# lekwacht status exits 1 while degraded, as the starting config's inputs have no files here.
LEKWACHT_HTTP_LISTEN=$listen lekwacht status >"$work/status" 2>&1 || true
cat "$work/status"
head -1 "$work/status" | grep -Eq "^lekwacht $(printf '%s' "$version" | sed 's/[.+]/\\&/g') at .*: (ok|degraded)$" ||
	fail "lekwacht status did not get the daemon's state and version"
lekwacht incidents list || fail "lekwacht incidents list"
kill -TERM "$daemon"
wait "$daemon" || { cat "$work/run.log" >&2; fail "lekwacht run did not stop cleanly on SIGTERM"; }
daemon=""
grep -c . "$work/run.log" | sed 's/$/ log lines from lekwacht run, stopped by SIGTERM/'
bad=$(find /var/lib/lekwacht /etc/lekwacht ! -user lekwacht ! -user root -print)
[ -z "$bad" ] || fail "files of neither lekwacht nor root: $bad"
want /var/lib/lekwacht/register.db lekwacht:lekwacht 600

step "upgrade: dpkg -i of a newer package keeps the edited config"
echo "# edited by deb-check" >>/etc/lekwacht/lekwacht.yaml
newer="$version.1"
dpkg-deb --raw-extract "$deb" "$work/pkg"
sed -i "s/^Version: .*/Version: $newer/" "$work/pkg/DEBIAN/control"
dpkg-deb --root-owner-group --build "$work/pkg" "$work/newer.deb" >/dev/null
dpkg -i "$work/newer.deb" || fail "dpkg -i of the newer package"
dpkg-query -W -f '${Version}\n' lekwacht | grep -qx "$newer" || fail "the upgrade did not install $newer"
tail -1 /etc/lekwacht/lekwacht.yaml | grep -q 'edited by deb-check' || fail "the upgrade replaced the edited /etc/lekwacht/lekwacht.yaml"
want /etc/lekwacht/lekwacht.yaml root:lekwacht 640
want /etc/lekwacht/tokens.yaml lekwacht:lekwacht 600
echo "upgraded to $newer, config and tokens kept"

step "dpkg -r lekwacht"
dpkg -r lekwacht || fail "dpkg -r lekwacht"
[ ! -e /usr/bin/lekwacht ] || fail "/usr/bin/lekwacht left after dpkg -r"
[ ! -e /usr/lib/systemd/system/lekwacht.service ] || fail "the unit left after dpkg -r"
[ -e /etc/lekwacht/lekwacht.yaml ] || fail "dpkg -r removed the config (only a purge should)"
echo "binary and unit gone, config kept"

step "dpkg --purge lekwacht"
dpkg --purge lekwacht || fail "dpkg --purge lekwacht"
[ ! -e /etc/lekwacht/lekwacht.yaml ] || fail "/etc/lekwacht/lekwacht.yaml left after the purge"
[ -e /var/lib/lekwacht/register.db ] || fail "the purge removed the register: the datalekregister must be kept"
echo "config gone; register kept"
[ -z "$made_user" ] || echo "(the user lekwacht, /var/lib/lekwacht and /etc/lekwacht/tokens.yaml, which this check made, go at its end)"

printf '\ndeb-check: OK: %s installs, checks, runs, upgrades, removes and purges\n' "$deb"
