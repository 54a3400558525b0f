#!/usr/bin/env bash
# First frame of two or more builds of the console, side by side and alternating: each DIR
# (a git worktree with node_modules and a production build) gets a fresh embedded console on
# its own port (default city, no backfill); after 40 s of live data the probe
# (scripts/dev/first-frame-probe.ts) loads each one's map in turn, ROUNDS times, printing the
# machine's rate (one thread's 64-byte SHA-256/s) beside each first frame.
#   flock /tmp/bench.lock scripts/dev/first-frame-ab.sh ROUNDS LAYERS DIR...
set -u
ROUNDS=$1; LAYERS=$2; shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
port=3701; declare -A PORTS; groups=()
for d in "$@"; do
  PORTS[$d]=$port; rm -rf "/tmp/ab-$port" && mkdir -p "/tmp/ab-$port"
  (cd "$d" && PORT=$port HOST=127.0.0.1 DATA_DIR=/tmp/ab-$port MQTT_PORT=$((port + 15000)) DATABASE_URL= SIM_BACKFILL_HOURS=0 NEXT_TELEMETRY_DISABLED=1 \
    setsid ./node_modules/.bin/tsx server.ts > "/tmp/ab-$port.log" 2>&1 &)
  port=$((port + 1))
done
# tsx runs the console as its child: stop each console's whole process group, found by its port.
stop() { for d in "$@"; do pid=$(ss -ltnp | grep ":${PORTS[$d]} " | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2); [ -n "$pid" ] && kill -- -"$(ps -o pgid= -p "$pid" | tr -d ' ')"; done; }
trap 'stop "$@"' EXIT
for d in "$@"; do for i in $(seq 1 120); do curl -sf "http://127.0.0.1:${PORTS[$d]}/api/health" > /dev/null && break; sleep 2; done; done
sleep 40
for r in $(seq 1 "$ROUNDS"); do
  for d in "$@"; do
    ref=$(node -e 'const c=require("crypto");const b=Buffer.alloc(64);let n=0;const t=Date.now();while(Date.now()-t<300){c.createHash("sha256").update(b).digest();n++}console.log(Math.round(n/0.3))')
    out=$(cd "$here" && npx tsx scripts/dev/first-frame-probe.ts "http://127.0.0.1:${PORTS[$d]}" "$LAYERS" 1 2>&1)
    echo "round $r $d sha256/s=$ref $(echo "$out" | grep -o 'first frame [-0-9]* ms; base map loaded [-0-9]* ms')"
    echo "$out" | grep -E "took" | sed "s/^/    /"
  done
done
