#!/usr/bin/env bash
# `make demo`: 100,000 generated orders served live. Open the printed URL: the real
# perspective-viewer. With mosquitto installed, the orders stream in through an MQTT broker
# started here on a free port (examples/live: the pipeline file and the publisher), then 20 of
# them change every 250 ms; without it, the server changes 20 rows every 300 ms itself.
# Ctrl-C stops everything. PORT (default 8080) and HOST (default 127.0.0.1) pick the address;
# PARALLAX (build/parallax), DEMO_DIR (build/demo) and DEMO_ROWS (100000) are for tests.
set -euo pipefail
cd "$(dirname "$0")/.."
parallax=${PARALLAX:-build/parallax}
demo_dir=${DEMO_DIR:-build/demo}
rows=${DEMO_ROWS:-100000}
data=$demo_dir/orders-$rows.csv
mkdir -p "$demo_dir"
if [ ! -s "$data" ]; then
  echo "demo: generating $rows orders into $data"
  /usr/bin/python3 bench/workload/gen_orders.py "$rows" "$data.tmp"
  mv "$data.tmp" "$data"
fi
address=(--host "${HOST:-127.0.0.1}" --port "${PORT:-8080}")

mosquitto=$(command -v mosquitto || ls /usr/sbin/mosquitto 2>/dev/null || true)
if [ -z "$mosquitto" ] || ! command -v mosquitto_pub > /dev/null; then
  echo "demo: mosquitto is not installed (apt-get install mosquitto mosquitto-clients, or"
  echo "      scripts/install-deps.sh), so no broker: the server changes the rows itself"
  echo "demo: serving $(($(wc -l < "$data") - 1)) orders; 20 of them change every 300 ms"
  exec "$parallax" serve "$data" --index order_id --demo-stream 300 "${address[@]}"
fi

work=$(mktemp -d "$(realpath "$demo_dir")/live.XXXXXX")
pids=()
stop() {  # the publisher, the server, then the broker
  # Not cut short by a second signal: `timeout make demo` sends TERM to the group and make
  # sends its child TERM again, which would exit here and leave $work (the password) behind.
  trap '' INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; --i)); do
    kill "${pids[i]}" 2> /dev/null || true
    wait "${pids[i]}" 2> /dev/null || true
  done
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

broker_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Loopback only, and no anonymous clients: other users of this machine can reach a loopback
# port, so the publisher and Parallax log in with a password made for this run (kept in
# $work, which only we can read; never on a command line, which `ps` shows).
password=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(16))')
umask 077
printf 'demo:%s\n' "$password" > "$work/passwd"
mosquitto_passwd -U "$work/passwd"  # hashed in place
mkdir -p "$work/config"
printf -- '-u demo\n-P %s\n' "$password" > "$work/config/mosquitto_pub"
{
  echo "listener $broker_port 127.0.0.1"
  echo "allow_anonymous false"
  echo "password_file $work/passwd"
  echo "persistence false"
  [ "$(id -u)" = 0 ] && echo "user root"  # (as root, mosquitto would switch to its own user)
} > "$work/mosquitto.conf"
"$mosquitto" -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
pids+=($!)
for _ in $(seq 100); do
  (: < "/dev/tcp/127.0.0.1/$broker_port") 2> /dev/null && break
  sleep 0.1
done
if ! (: < "/dev/tcp/127.0.0.1/$broker_port") 2> /dev/null; then
  echo "demo: mosquitto did not start:" >&2
  cat "$work/mosquitto.log" >&2
  exit 1
fi
echo "demo: mosquitto on 127.0.0.1:$broker_port (its files in $work, removed at the end)"

pipeline=$(< examples/live/orders.yaml)  # (edited here, not by sed: its arguments show in `ps`)
printf '%s\n' "${pipeline//mqtt:\/\/127.0.0.1:1883/mqtt://demo:$password@127.0.0.1:$broker_port}" \
  > "$work/orders.yaml"
"$parallax" serve --pipeline "$work/orders.yaml" --state-dir "$work/state" "${address[@]}" \
  2> >(tee "$work/parallax.log" >&2) &
pids+=($!)
# The publisher starts once the table's subscription is made (QoS 1 messages published before
# it would not be kept for it).
for _ in $(seq 300); do
  grep -q "table 'orders': source connected" "$work/parallax.log" 2> /dev/null && break
  kill -0 "${pids[1]}" 2> /dev/null || exit 1  # the server stopped (its error is above)
  sleep 0.1
done
echo "demo: publishing $(($(wc -l < "$data") - 1)) orders to topic orders/live, then 20 changes every 250 ms"
/usr/bin/python3 examples/live/publish_orders.py "$data" 0.25 |
  XDG_CONFIG_HOME="$work/config" mosquitto_pub -h 127.0.0.1 -p "$broker_port" -q 1 -t orders/live -l &
pids+=($!)
wait "${pids[1]}"
