#!/usr/bin/env bash
# Two hosts on one machine: two network namespaces joined by a veth pair (192.0.2.1 and 192.0.2.2, the documentation
# range), one rank of `./revnet train` in each, rank 0's namespace the master. It shows
#   1. the two-namespace run ends with the same weight hashes as `--nproc 2` over loopback;
#   2. a rank killed in the second namespace ends the first within --timeout, non-zero, naming the lost peer;
# and removes its namespaces, links and processes whatever happens. Needs root and `ip netns`; exits 77 (skipped) with
# the reason where they are missing.
#
# Usage: examples/two-hosts/two-hosts.sh [--model M] [--steps N] [--timeout S] [--out DIR] [--keep-going]
# Across real hosts the same command runs once per host, without namespaces: see docs/distributed.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model=revnet-38
steps=6
timeout=20
out=""
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "two-hosts: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$steps" =~ ^[1-9][0-9]*$ ]] || { echo "two-hosts: --steps must be a positive integer, got '$steps'" >&2; exit 2; }
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || { echo "two-hosts: --timeout must be a positive integer, got '$timeout'" >&2; exit 2; }

skip() { echo "two-hosts: skipped: $*" >&2; exit 77; }
[[ "$(id -u)" == 0 ]] || skip "network namespaces need root (this is uid $(id -u))"
command -v ip >/dev/null || skip "no 'ip' command (iproute2)"

tag="rn$$"
ns0="$tag-a" ns1="$tag-b" veth0="${tag}a" veth1="${tag}b"
addr0=192.0.2.1 addr1=192.0.2.2
out="${out:-$(mktemp -d)}"
mkdir -p "$out"

cleanup() {
  for ns in "$ns0" "$ns1"; do
    if ip netns list 2>/dev/null | grep -qw "$ns"; then
      # every process still in the namespace (a rank, its JVM), then the namespace itself
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
  ip link del "$veth0" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns0" 2>/dev/null || skip "'ip netns add' is not permitted here (a container without CAP_SYS_ADMIN?)"
ip netns add "$ns1"
ip link add "$veth0" type veth peer name "$veth1" || skip "veth pairs cannot be made here"
ip link set "$veth0" netns "$ns0"
ip link set "$veth1" netns "$ns1"
ip -n "$ns0" addr add "$addr0/24" dev "$veth0"
ip -n "$ns1" addr add "$addr1/24" dev "$veth1"
for ns in "$ns0" "$ns1"; do ip -n "$ns" link set lo up; done
ip -n "$ns0" link set "$veth0" up
ip -n "$ns1" link set "$veth1" up

# A built launcher before the namespaces run it (they reach no registry, and two builds at once would race).
"$here/revnet" --version >/dev/null

threads=$(( $(nproc) / 2 ))
threads=$(( threads < 1 ? 1 : threads ))
common=(train --model "$model" --batch 16 --train-limit 512 --test-limit 256 --schedule constant
  --threads "$threads" --timeout "$timeout" --angle-every 1)
hashes() { grep -o 'weight hashes \[[^]]*\]' "$1" | tail -1; }

echo "== loopback: ./revnet ${common[*]} --steps $steps --nproc 2"
"$here/revnet" "${common[@]}" --steps "$steps" --nproc 2 > "$out/loopback.log" 2>&1 || { cat "$out/loopback.log" >&2; exit 1; }
loop="$(hashes "$out/loopback.log")"
echo "   $loop"

# One rank per namespace: the torchrun variables, MASTER_ADDR rank 0's namespace's address.
port=29517
rank_in() {  # rank_in NS RANK LOG ARGS...
  local ns="$1" rank="$2" log="$3"; shift 3
  exec ip netns exec "$ns" env RANK="$rank" WORLD_SIZE=2 MASTER_ADDR="$addr0" MASTER_PORT="$port" "$here/revnet" "$@" > "$log" 2>&1
}

echo "== two namespaces: rank 0 at $addr0 ($ns0), rank 1 at $addr1 ($ns1)"
rank_in "$ns0" 0 "$out/ns-rank0.log" "${common[@]}" --steps "$steps" & r0=$!
rank_in "$ns1" 1 "$out/ns-rank1.log" "${common[@]}" --steps "$steps" & r1=$!
s0=0 s1=0
wait "$r0" || s0=$?
wait "$r1" || s1=$?
if [[ $s0 != 0 || $s1 != 0 ]]; then
  echo "two-hosts: the two-namespace run failed (rank 0 exit $s0, rank 1 exit $s1)" >&2
  tail -20 "$out/ns-rank0.log" "$out/ns-rank1.log" >&2
  exit 1
fi
netns="$(hashes "$out/ns-rank0.log")"
echo "   $netns"
if [[ -z "$loop" || "$loop" != "$netns" ]]; then
  echo "two-hosts: FAIL: the two-namespace run's hashes ($netns) differ from the loopback run's ($loop)" >&2
  exit 1
fi
echo "   equal to the loopback run's"

echo "== the rank in $ns1 killed after step 2; rank 0 must exit within --timeout $timeout s, naming the lost peer"
port=$((port + 1))
rank_in "$ns0" 0 "$out/kill-rank0.log" "${common[@]}" --steps 1000 & r0=$!
rank_in "$ns1" 1 "$out/kill-rank1.log" "${common[@]}" --steps 1000 & r1=$!
for _ in $(seq 1 600); do
  grep -q "step 2/" "$out/kill-rank0.log" 2>/dev/null && break
  kill -0 "$r0" 2>/dev/null || break
  sleep 0.5
done
grep -q "step 2/" "$out/kill-rank0.log" || { echo "two-hosts: rank 0 never reached step 2" >&2; tail -20 "$out/kill-rank0.log" >&2; exit 1; }
killed_at=$(date +%s%N)
for pid in $(ip netns pids "$ns1"); do kill -9 "$pid" 2>/dev/null || true; done
s0=0
wait "$r0" || s0=$?
wait "$r1" 2>/dev/null || true
took=$(awk -v a="$killed_at" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
echo "   rank 0 exited with status $s0, $took s after the kill"
grep -E "distributed job failed|revnet:" "$out/kill-rank0.log" | tail -2 | sed 's/^/   rank 0: /'
[[ $s0 != 0 ]] || { echo "two-hosts: FAIL: rank 0 exited 0 after its peer was killed" >&2; exit 1; }
awk -v t="$took" -v limit="$timeout" 'BEGIN { exit !(t <= limit + 10) }' \
  || { echo "two-hosts: FAIL: rank 0 took $took s to give up, past --timeout $timeout s" >&2; exit 1; }
grep -q "$addr1" "$out/kill-rank0.log" || { echo "two-hosts: FAIL: rank 0's error does not name the lost peer $addr1" >&2; exit 1; }

cleanup
trap - EXIT
left="$(ip netns list | grep -c "$tag" || true)"
[[ "$left" == 0 ]] || { echo "two-hosts: FAIL: $left namespaces left behind" >&2; exit 1; }
echo "two-hosts: PASS (logs in $out; namespaces, links and processes removed)"
