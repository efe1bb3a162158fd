# Sourced by the benchmarks in this folder: a pcscd of their own with jpki's virtual card behind
# vsmartcard's vpcd driver, so no machine-wide pcscd is touched and no root is needed.
#
# pcscd gets a private socket the way systemd hands one over (socket activation: the listening
# socket on fd 3, LISTEN_FDS=1, LISTEN_PID its own), and every client finds it through
# PCSCLITE_CSOCK_NAME. vpcd listens on a free loopback port, where `jpki-vcard serve` connects.
#
# Needs: $bin (the folder of the release jpki and jpki-vcard), the Debian packages pcscd and
# vsmartcard-vpcd, and python3 (which binds the socket). Defines: $work (a folder removed at
# exit), $reader (vpcd's first slot), start_pcscd, serve, sent, timing_first, timing_done.

reader="Virtual PCD 00 00"
vpcd_driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
pcscd=$(command -v pcscd || echo /usr/sbin/pcscd)
for need in "$pcscd" "$vpcd_driver" "$(command -v python3)"; do
  [ -e "$need" ] || { echo "missing: apt-get install pcscd vsmartcard-vpcd python3" >&2; exit 1; }
done

work=$(mktemp -d)
pcscd_pid=
vcard_pid=
stop_all() {
  for pid in $vcard_pid $pcscd_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $vcard_pid $pcscd_pid; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT
export PCSCLITE_CSOCK_NAME=$work/pcscd.comm
export LANG=C.UTF-8
unset OPENSC_DRIVER JPKI_READER LC_ALL LC_MESSAGES LC_CTYPE

# A free loopback port p with p + 1 free too: vpcd's second slot listens there.
port=$(python3 -c 'import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError:
        pass')

# start_pcscd: pcscd on the private socket, reading a reader.conf.d with only vpcd in it.
start_pcscd() {
  mkdir "$work/conf"
  printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:%s\nLIBPATH %s\nCHANNELID %s\n' \
    "$port" "$vpcd_driver" "$port" >"$work/conf/vpcd"
  # python3 binds the socket, puts it on fd 3 and becomes pcscd. Python opens sockets
  # close-on-exec, and dup2 onto the same number (fd 3 was free, so the socket got it) changes
  # nothing: fd 3 is made inheritable in every case, or pcscd would find no socket and fall back
  # to the machine's socket path.
  python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(16)
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid())); os.execv(sys.argv[2], sys.argv[2:])' \
    "$PCSCLITE_CSOCK_NAME" "$pcscd" --foreground --config "$work/conf" >"$work/pcscd.log" 2>&1 </dev/null &
  pcscd_pid=$!
}

# serve INIT_ARGS...: a new virtual card in the reader, made by `jpki-vcard init INIT_ARGS`;
# returns once jpki reads its counters through pcscd.
serve() {
  if [ -n "$vcard_pid" ]; then kill "$vcard_pid"; wait "$vcard_pid" 2>/dev/null || true; fi
  rm -f "$work/card.state"
  "$bin/jpki-vcard" init "$@" "$work/card.state" >/dev/null
  "$bin/jpki-vcard" serve --log --port "$port" "$work/card.state" 2>"$work/apdus.log" &
  vcard_pid=$!
  # "Present" comes a moment before the card answers: wait until a status gets through.
  for _ in $(seq 200); do
    kill -0 "$pcscd_pid" 2>/dev/null || { echo "pcscd stopped:" >&2; cat "$work/pcscd.log" >&2; exit 1; }
    "$bin/jpki" --reader "$reader" status --pins-only >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "the virtual card never showed up through pcscd; its log:" >&2
  cat "$work/pcscd.log" >&2
  exit 1
}

# sent: how many APDUs the virtual card has received so far.
sent() { grep -c '^>' "$work/apdus.log" || true; }

# timing_first: while timing, pcscd, the card and this shell (so every program it starts) run
# before other work of the machine: real-time scheduling (SCHED_FIFO) where allowed (root), else a
# higher priority. On a shared machine other work's scheduling delays would otherwise land in the
# pcscd round trips that both sides of a comparison make, and pull every ratio towards 1.
# timing_done puts them back in line (valgrind, which runs long, never runs ahead).
timing_first() {
  local pid
  for pid in $pcscd_pid $vcard_pid $$; do
    chrt -f -a -p 10 "$pid" >/dev/null 2>&1 || renice -n -10 -p "$pid" >/dev/null 2>&1 || true
  done
}
timing_done() {
  local pid
  for pid in $pcscd_pid $vcard_pid $$; do
    chrt -o -a -p 0 "$pid" >/dev/null 2>&1 || true
  done
}
