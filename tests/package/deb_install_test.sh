#!/usr/bin/env bash
# The Debian package on this machine, as an operator would use it (issue 19):
# build it with CPack from the build tree, install it with dpkg, check what
# it put where (binaries, web client, conffile, unit, the service's user and
# state folder), start the installed server as that user with the packaged
# config, and get /healthz, the web client and one message through it; then
# purge the package. systemd need not run here: the unit is checked with
# systemd-analyze where that exists, and the server is started by hand the
# way the unit starts it.
#
# Usage: tests/package/deb_install_test.sh BUILD_DIR
# Needs root (dpkg): without it (and without passwordless sudo) it exits 77,
# which ctest reports as skipped, not passed.
set -euo pipefail

build_dir=$(cd "$1" && pwd)
if [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then
    exec sudo -n "$0" "$@"
  fi
  echo "deb_install_test: installing a package needs root or passwordless sudo: skipped"
  exit 77
fi

fail() {
  echo "deb_install_test: FAILED: $*" >&2
  if [ -f "${log:-}" ]; then
    echo "--- server output" >&2
    tail -n 40 "$log" >&2
  fi
  exit 1
}

if dpkg-query -W -f='${Status}' chat-actors 2>/dev/null | grep -q "ok installed"; then
  echo "deb_install_test: chat-actors is installed on this machine; not replacing it: skipped"
  exit 77
fi
# What a purge keeps (the user, the database) goes too when this test made it.
had_user=0
getent passwd chat-actors >/dev/null && had_user=1
had_state=0
[ -e /var/lib/chat-actors ] && had_state=1

work=$(mktemp -d /tmp/chat-deb-test.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  dpkg --purge chat-actors >/dev/null 2>&1 || true
  if [ "$had_state" = 0 ]; then rm -rf /var/lib/chat-actors; fi
  if [ "$had_user" = 0 ] && getent passwd chat-actors >/dev/null; then
    deluser --quiet --system chat-actors >/dev/null 2>&1 || userdel chat-actors || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# -- build and install ----------------------------------------------------------
cpack --config "$build_dir/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$work"/pkg/chat-actors_*_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
grep -q "libcaf-core" <<<"$depends" || fail "Depends lacks the CAF library: $depends"
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i $deb"; }
[ "$(dpkg-query -W -f='${Status}' chat-actors)" = "install ok installed" ] || fail "not installed"

for f in /usr/bin/chat-actors /usr/bin/chat-actors-cli /usr/share/chat-actors/web/index.html \
  /etc/chat-actors/server.ini /lib/systemd/system/chat-actors.service \
  /usr/share/doc/chat-actors/operations.md; do
  [ -f "$f" ] || fail "$f missing"
done
grep -qx "/etc/chat-actors/server.ini" /var/lib/dpkg/info/chat-actors.conffiles \
  || fail "server.ini is not a conffile"
getent passwd chat-actors >/dev/null || fail "no chat-actors user"
[ "$(stat -c %U /var/lib/chat-actors)" = chat-actors ] || fail "/var/lib/chat-actors not the user's"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /lib/systemd/system/chat-actors.service 2>"$work/verify.log" \
    || { cat "$work/verify.log" >&2; fail "systemd-analyze verify"; }
fi
version=$(/usr/bin/chat-actors --version)
[[ $version == "chat-actors "* ]] || fail "--version: $version"
runuser -u chat-actors -- /usr/bin/chat-actors --check-config /etc/chat-actors/server.ini \
  >"$work/check.log" || { cat "$work/check.log" >&2; fail "--check-config of the packaged file"; }

# -- run it as the service would --------------------------------------------------
# The packaged ports (8080, 8989) may be taken on a shared machine: the
# command line picks a free one and turns raw TCP off.
log="$work/server.log"
# setpriv execs the server itself (runuser would stay in between and answer
# SIGTERM for it), as systemd's User= does.
setpriv --reuid=chat-actors --regid=chat-actors --init-groups \
  /usr/bin/chat-actors --config /etc/chat-actors/server.ini --http-port 0 --tcp-port 0 \
  >"$log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 200); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the installed server exited"
  sleep 0.1
done
[ -n "$port" ] || fail "the installed server did not listen within 20 s"

# The status line and body of GET $1 (bash's /dev/tcp: curl need not exist).
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
  timeout 10 cat <&3
  exec 3<&-
}
# (Here-strings, not pipes into grep -q: with pipefail an early exit of
# grep would fail the writer.)
health=$(http_get /healthz)
[[ ${health%%$'\r'*} == *" 200 "* ]] || fail "/healthz: ${health%%$'\r'*}"
page=$(http_get /)
[[ ${page%%$'\r'*} == *" 200 "* ]] || fail "/: ${page%%$'\r'*}"
grep -qi "<html" <<<"$page" || fail "/ is not the web client"

# One message through: bob listens, ann sends until bob has one (the first
# send may come before bob's join).
url="ws://127.0.0.1:$port"
CHAT_PASSWORD=bob-password1 timeout 30 /usr/bin/chat-actors-cli --url "$url" --name bob \
  --register --listen lobby --count 1 >"$work/bob.log" 2>&1 &
bob=$!
for n in $(seq 40); do
  kill -0 "$bob" 2>/dev/null || break
  CHAT_PASSWORD=ann-password1 /usr/bin/chat-actors-cli --url "$url" --name ann --register \
    --send lobby "through the package $n" >>"$work/ann.log" 2>&1 || fail "ann's send: $(cat "$work/ann.log")"
  sleep 0.5
done
wait "$bob" || fail "bob's listener: $(cat "$work/bob.log")"
grep -q "ann: through the package" "$work/bob.log" || fail "bob got no message: $(cat "$work/bob.log")"

[ "$(stat -c %U /var/lib/chat-actors/chat.db)" = chat-actors ] || fail "chat.db is not the user's"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
[ "$status" = 0 ] || fail "the server exited $status on SIGTERM"

# -- purge ----------------------------------------------------------------------
dpkg --purge chat-actors >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "purge"; }
[ ! -e /usr/bin/chat-actors ] || fail "/usr/bin/chat-actors left after purge"
[ ! -e /etc/chat-actors/server.ini ] || fail "server.ini left after purge"
echo "deb_install_test: installed, served /healthz, / and one message as chat-actors, purged"
