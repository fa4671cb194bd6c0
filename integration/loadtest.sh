#!/usr/bin/env bash
# loadtest.sh: requests per second of bare Fiber, Fiber + fiberjwt, Fiber +
# fiberjwt with its revocations in Redis (redisrevoke, against a
# redis-server this script starts on loopback; skipped when redis-server is
# missing) and Fiber + gofiber/contrib/jwt v1.1.2 under wrk on loopback,
# every request carrying the same valid HS512 token cookie (the servers are
# ./loadserver).
#
#	bash integration/loadtest.sh                  # 5 rounds of 5 s per mode
#	ROUNDS=3 DURATION=3s bash integration/loadtest.sh
#	PROFILE=/tmp/prof bash integration/loadtest.sh   # and CPU profiles of the servers
#
# Each round runs the modes in a rotated order (round 1: bare fiberjwt
# fiberjwt-redis contribjwt, round 2: fiberjwt fiberjwt-redis contribjwt bare,
# ...), each on a fresh server pinned to CPU $SERVER_CPU (default 0) with wrk
# pinned to CPU $CLIENT_CPU
# (default 1): a warm-up of $WARMUP (default 1s, 0 to skip), then
# `wrk -t1 -c$CONNECTIONS -d$DURATION` (default 32 connections, 5s). It fails
# when a server does not answer 200 to the token, or answers 200 without it
# (a middleware mode), and when wrk reports any non-2xx response. At the end it
# prints each mode's median req/s, its ratio to bare's median, and the median
# of its per-round ratios to bare.
#
# With PROFILE=DIR each server writes a CPU profile of its measured run (not
# the warm-up) to DIR/MODE-rROUND.pprof, and the summary adds, per mode, the
# median share of the server's CPU spent in the middleware (pprof's cum% of
# its handler) and in the garbage collector. Read one with
# `go tool pprof -top -cum DIR/fiberjwt-r1.pprof`.
#
# It installs nothing, except wrk with apt-get when wrk is missing and it
# runs as root.
set -euo pipefail
caller=$PWD
cd "$(dirname "$0")"

rounds=${ROUNDS:-5}
duration=${DURATION:-5s}
warmup=${WARMUP:-1s}
connections=${CONNECTIONS:-32}
profile=${PROFILE:-}
if [ -n "$profile" ]; then
	[[ $profile == /* ]] || profile="$caller/$profile"
	mkdir -p "$profile"
fi
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
modes=(bare fiberjwt fiberjwt-redis contribjwt)

die() {
	echo "loadtest: $*" >&2
	exit 1
}

[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$rounds'"
[[ $connections =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer, not '$connections'"

if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "loadtest: wrk is missing; installing it with apt-get" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
	fi
	command -v wrk >/dev/null || die "wrk is missing: install it (Debian, Ubuntu: apt-get install wrk)"
fi
command -v curl >/dev/null || die "curl is missing"
command -v go >/dev/null || die "go is missing"

server_pin=()
client_pin=()
if command -v taskset >/dev/null && taskset -c "$server_cpu" true 2>/dev/null && taskset -c "$client_cpu" true 2>/dev/null &&
	[ "$server_cpu" != "$client_cpu" ]; then
	server_pin=(taskset -c "$server_cpu")
	client_pin=(taskset -c "$client_cpu")
	pinning="server on CPU $server_cpu, wrk on CPU $client_cpu"
else
	pinning="not pinned (taskset or two usable CPUs missing): expect noisier numbers"
fi

tmp=$(mktemp -d)
pid=""
redis_pid=""
stop_server() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	fi
}
stop_redis() {
	if [ -n "$redis_pid" ]; then
		kill "$redis_pid" 2>/dev/null || true
		wait "$redis_pid" 2>/dev/null || true
		redis_pid=""
	fi
}
trap 'stop_server; stop_redis; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

go build -o "$tmp/loadserver" ./loadserver
token=$("$tmp/loadserver" -print-token)
[[ $token =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] || die "-print-token printed no JWT: '$token'"

# free_port prints a loopback port that nothing listens on.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

if command -v redis-server >/dev/null; then
	redis_port=$(free_port) || die "no free loopback port for redis-server"
	redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	redis_pid=$!
	export REDIS_ADDR="127.0.0.1:$redis_port"
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
		sleep 0.1
	done
else
	echo "loadtest: redis-server is missing: skipping fiberjwt-redis (apt-get install redis-server)" >&2
	modes=(bare fiberjwt contribjwt)
fi

# status URL [CURL_ARGS...] prints the HTTP status of GET URL (000 when
# nothing answers) and leaves the body in $tmp/body.
status() {
	local url=$1
	shift
	curl -s -o "$tmp/body" -w '%{http_code}' --max-time 2 "$@" "$url" || true
}

# start_server MODE PORT [ARGS...] starts the server and waits until it
# answers 200 to the token.
start_server() {
	local mode=$1 port=$2 url="http://127.0.0.1:$2/protected" code=000
	shift 2
	"${server_pin[@]}" "$tmp/loadserver" -mode "$mode" -addr "127.0.0.1:$port" "$@" >"$tmp/server.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; die "the $mode server exited"; }
		code=$(status "$url" -H "Cookie: token=$token")
		[ "$code" = 200 ] && break
		sleep 0.1
	done
	[ "$code" = 200 ] || die "the $mode server on port $port answered $code to the token, want 200"
	[ "$(cat "$tmp/body")" = "Protected Page" ] || die "the $mode server on port $port answered '$(cat "$tmp/body")'"
	if [ "$mode" != bare ]; then
		code=$(status "$url")
		[ "$code" != 200 ] || die "the $mode server answered 200 without a token"
	fi
}

# wait_log TEXT waits until the server's log has a line TEXT.
wait_log() {
	for _ in $(seq 1 200); do
		grep -qx "loadserver: $1" "$tmp/server.log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$tmp/server.log" >&2
	die "the server did not log '$1'"
}

# run_wrk PORT DURATION runs wrk with the token cookie and prints its report.
run_wrk() {
	"${client_pin[@]}" wrk -t1 -c"$connections" -d"$2" -H "Cookie: token=$token" "http://127.0.0.1:$1/protected"
}

echo "loadtest: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)," \
	"$(nproc) CPUs, $(go version | cut -d' ' -f3), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2 || true)"
echo "loadtest: $rounds rounds, wrk -t1 -c$connections -d$duration after a $warmup warm-up, $pinning"

: >"$tmp/results"
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < ${#modes[@]}; k++)); do
		mode=${modes[(r + k) % ${#modes[@]}]}
		port=$(free_port) || die "no free loopback port"
		prof_args=()
		[ -z "$profile" ] || prof_args=(-cpuprofile "$profile/$mode-r$((r + 1)).pprof")
		start_server "$mode" "$port" "${prof_args[@]}"
		if [ "$warmup" != 0 ]; then
			run_wrk "$port" "$warmup" >/dev/null
		fi
		[ -z "$profile" ] || { kill -USR1 "$pid"; wait_log profiling; }
		run_wrk "$port" "$duration" >"$tmp/wrk.out"
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; die "the $mode server died under load"; }
		[ -z "$profile" ] || { kill -USR2 "$pid"; wait_log "profile written"; }
		stop_server
		if grep -q 'Non-2xx or 3xx responses' "$tmp/wrk.out"; then
			cat "$tmp/wrk.out" >&2
			die "$mode: wrk got non-2xx responses"
		fi
		rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
		[[ $rps =~ ^[0-9]+(\.[0-9]+)?$ ]] || { cat "$tmp/wrk.out" >&2; die "$mode: no Requests/sec in wrk's report"; }
		note=$(grep -m1 'Socket errors' "$tmp/wrk.out" | sed 's/^ */  /' || true)
		printf 'round %d  %-14s %10.0f req/s%s\n' "$((r + 1))" "$mode" "$rps" "$note"
		echo "$r $mode $rps" >>"$tmp/results"
	done
done

echo
# Per mode: the median req/s, its ratio to bare's median, and the median of
# the per-round ratios to bare (each round runs the modes back to
# back, so that ratio cancels most of the machine's drift between rounds).
awk -v order="${modes[*]}" '
	function median(a, c,    i, j, t) {
		for (i = 2; i <= c; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	{ rps[$2, $1] = $3; rounds[$1] = 1 }
	END {
		m = split(order, names, " ")
		printf "%-14s  %12s  %8s  %17s  %s\n", "mode", "median req/s", "vs bare", "per-round vs bare", "runs (sorted)"
		for (i = 1; i <= m; i++) {
			k = names[i]; c = 0; delete v; delete ratio
			for (r in rounds) {
				c++; v[c] = rps[k, r]; ratio[c] = rps[k, r] / rps["bare", r]
			}
			med[k] = median(v, c)
			q = median(ratio, c)
			runs = ""
			for (j = 1; j <= c; j++) runs = runs sprintf(" %.0f", v[j])
			printf "%-14s  %12.0f  %7.1f%%  %16.1f%%  %s\n", k, med[k], 100 * med[k] / med["bare"], 100 * q, runs
		}
	}' "$tmp/results"

# share PROFILE REGEX prints the cum% of the first function matching REGEX
# in the profile (0 when none).
share() {
	go tool pprof -top -cum "$1" 2>/dev/null | awk -v re="$2" '$5 ~ /%$/ && $0 ~ re { sub("%", "", $5); print $5; found = 1; exit } END { if (!found) print 0 }'
}
if [ -n "$profile" ]; then
	echo
	echo "CPU profiles in $profile; share of the server's CPU (median over rounds):"
	printf '%-14s  %10s  %10s\n' mode middleware gc
	for mode in "${modes[@]}"; do
		mw=() gc=()
		for f in "$profile/$mode"-r*.pprof; do
			mw+=("$(share "$f" 'fiberjwt/internal/core[.][(][*]middleware.*[)][.]handle$|contrib/jwt[.]New[.]func')")
			gc+=("$(share "$f" ' runtime[.]gcBgMarkWorker$')")
		done
		med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
		printf '%-14s  %9.1f%%  %9.1f%%\n' "$mode" "$(med "${mw[@]}")" "$(med "${gc[@]}")"
	done
fi
