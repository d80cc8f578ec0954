#!/usr/bin/env bash
# WAF benchmark and detection table, side by side in one run on this machine, all on 127.0.0.1:
#
#   backend      nginx serving a small static page (the ModSecurity baseline's backend, :18080)
#   nginx        nginx as a plain reverse proxy, no WAF (:18087, config written here)
#   modsecurity  Apache 2.4 + mod_security2 + OWASP CRS 3.3 (Debian packages), reverse proxy
#                (the baseline's Apache, :18081)
#   rampart      rampart's application load balancer (release build) with a realistic web ACL:
#                an IP set of 10,000 addresses, a rate-based rule on /login, the core rule set,
#                SQL database and known bad inputs managed groups (:18091)
#
# The ModSecurity peer is set up by ../shared/tools/modsecurity-crs-baseline.sh (it installs the
# Debian packages and writes its configs; ROUNDS=0 runs none of its own measurements), whose
# configs this script then starts again. Load: wrk (Debian), same for every target: throughput
# with -c32 for DUR, latency with one connection; benign and malicious (SQLi) requests.
# Then the detection table: the same payloads (libinjection, GoTestWAF) sent to ModSecurity+CRS
# and to a rampart listener whose web ACL has every managed group but the IP lists (:18092).
#
#   bash bench/waf/run.sh      # DUR=10s ROUNDS=2; DETECTION=0 skips the table; RAMPART_BIN=path skips the build
# Needs root (apt-get, servers run as www-data), python3 with boto3 and PyYAML (PYTHON=...).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SHARED=${SHARED:-$ROOT/../shared}
PY=${PYTHON:-python3}
DUR=${DUR:-10s}
ROUNDS=${ROUNDS:-2}
DETECTION=${DETECTION:-1}
work=$(mktemp -d)
chmod 755 "$work"  # the servers run as www-data
MODSEC=$work/modsec
HOSTHDR='Host: app.example'
UA='User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'
BENIGN='/index.html?page=2&sort=name&q=hello+world'
SQLI="/index.html?id=1%27%20OR%20%271%27%3D%271&q=1%20UNION%20SELECT%20password%20FROM%20users--"

# 1. ModSecurity + CRS: packages and configs from the shared baseline script.
BASE=$MODSEC ROUNDS=0 bash "$SHARED/tools/modsecurity-crs-baseline.sh" > "$work/baseline.log" 2>&1 || true
for f in nginx-backend.conf apache-waf.conf; do
  [[ -s $MODSEC/conf/$f ]] || { cat "$work/baseline.log"; echo "the baseline script wrote no $f" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }

# 2. rampart, release build (or RAMPART_BIN).
BIN=${RAMPART_BIN:-}
if [[ -z $BIN ]]; then
  cargo build --release --quiet -p rampart
  TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  BIN=$TARGET_DIR/release/rampart
fi

RUN=$MODSEC/run
cat > "$work/nginx-proxy.conf" <<CONF
worker_processes 2;
user www-data;
pid $work/nginx-proxy.pid;
error_log $work/nginx-proxy-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $RUN/nginx-tmp/p-body;
  proxy_temp_path $RUN/nginx-tmp/p-proxy;
  fastcgi_temp_path $RUN/nginx-tmp/p-fcgi;
  uwsgi_temp_path $RUN/nginx-tmp/p-uwsgi;
  scgi_temp_path $RUN/nginx-tmp/p-scgi;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:18080; keepalive 64; }
  server {
    listen 127.0.0.1:18087;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF

RAMPART_PID=
stop_all() {
  [[ -n $RAMPART_PID ]] && kill "$RAMPART_PID" 2>/dev/null && wait "$RAMPART_PID" 2>/dev/null || true
  for pf in "$RUN/apache.pid" "$RUN/nginx-backend.pid" "$work/nginx-proxy.pid"; do
    [[ -s $pf ]] && kill -TERM "$(cat "$pf")" 2>/dev/null || true
  done
  sleep 1
  rm -rf "$work"
}
trap stop_all EXIT

/usr/sbin/nginx -c "$MODSEC/conf/nginx-backend.conf"
/usr/sbin/nginx -c "$work/nginx-proxy.conf"
APACHE_LOG_DIR=$RUN APACHE_RUN_DIR=$RUN /usr/sbin/apache2 -f "$MODSEC/conf/apache-waf.conf" -k start

export AWS_ACCESS_KEY_ID=AKIABENCHWAFROOTKEY1 AWS_SECRET_ACCESS_KEY=benchWafSecretKeyForTheLoadGenerator000
# The per-source rate limit (Shield Standard-style, default 1000 req/s) is off: this benchmark
# measures the WAF with ~30k req/s from one loopback source, where real traffic at that rate
# comes from many sources.
RAMPART_ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RAMPART_ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RAMPART_DATA_PLANE_RATE_LIMIT=off RAMPART_LOG=warn "$BIN" serve --listen 127.0.0.1:18095 --data-dir "$work/rampart-data" > "$work/rampart.log" 2>&1 &
RAMPART_PID=$!
for _ in $(seq 1 200); do curl -fsS -o /dev/null http://127.0.0.1:18095/_rampart/health 2>/dev/null && break; sleep 0.05; done
"$PY" bench/waf/setup.py http://127.0.0.1:18095 18080 18091 18092
for _ in $(seq 1 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "$HOSTHDR" -H "$UA" "http://127.0.0.1:18091$BENIGN") == 200 ]] && break
  sleep 0.1
done

declare -A PORT=( [backend]=18080 [nginx]=18087 [modsecurity]=18081 [rampart]=18091 )
ORDER=(backend nginx modsecurity rampart)
echo "# WAF benchmark $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(dpkg-query -W -f='${Package}=${Version} ' apache2 libapache2-mod-security2 modsecurity-crs nginx-light wrk)"
for t in "${ORDER[@]}"; do
  b=$(curl -s -o /dev/null -w '%{http_code}' -H "$HOSTHDR" -H "$UA" "http://127.0.0.1:${PORT[$t]}$BENIGN")
  s=$(curl -s -o /dev/null -w '%{http_code}' -H "$HOSTHDR" -H "$UA" "http://127.0.0.1:${PORT[$t]}$SQLI")
  echo "# sanity $t: benign=$b sqli=$s"
done

# wrk's latency percentile in microseconds.
us() { awk -v p="$2" '$1==p { v=$2; if (v ~ /us$/) { sub(/us$/,"",v); print v+0 } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v*1000 } else if (v ~ /s$/) { sub(/s$/,"",v); print v*1000000 } }' <<<"$1"; }
# CPU time (user + system, in clock ticks) of processes and their live children.
ticks() {
  local total=0 p f
  for p in "$@" $(for q in "$@"; do pgrep -P "$q" || true; done); do
    [[ -r /proc/$p/stat ]] || continue
    f=($(sed 's/^.*) //' "/proc/$p/stat"))
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
declare -A PIDS=( [backend]="$(cat "$RUN/nginx-backend.pid")" [nginx]="$(cat "$work/nginx-proxy.pid")"
                  [modsecurity]="$(cat "$RUN/apache.pid")" [rampart]="$RAMPART_PID" )
HZ=$(getconf CLK_TCK)
declare -A RPS P99 LAT1 CPU
for round in $(seq 1 "$ROUNDS"); do
  for t in "${ORDER[@]}"; do
    for kind in benign sqli; do
      path=$BENIGN; [[ $kind == sqli ]] && path=$SQLI
      url="http://127.0.0.1:${PORT[$t]}$path"
      c0=$(ticks ${PIDS[$t]})
      out=$(wrk -t2 -c32 -d"$DUR" --latency -H "$HOSTHDR" -H "$UA" "$url")
      c1=$(ticks ${PIDS[$t]})
      rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
      n=$(awk '/requests in/{print $1}' <<<"$out")
      cpu=$(awk -v d=$((c1 - c0)) -v n="$n" -v hz="$HZ" 'BEGIN { printf "%.0f", (n > 0 ? d * 1e6 / hz / n : 0) }')
      p99=$(us "$out" "99%")
      one=$(wrk -t1 -c1 -d"$DUR" --latency -H "$HOSTHDR" -H "$UA" "$url")
      lat=$(us "$one" "99%")
      echo "round $round $t $kind: rps=$rps p99(c32)=${p99}us p99(c1)=${lat}us cpu/req=${cpu}us"
      RPS[$t.$kind]+="$rps "; P99[$t.$kind]+="$p99 "; LAT1[$t.$kind]+="$lat "; CPU[$t.$kind]+="$cpu "
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
echo
echo "| target | request | requests/s (32 conns) | server CPU per request | p99 (32 conns) | p99, 1 conn | added p99 vs backend, 1 conn |"
echo "|---|---|---:|---:|---:|---:|---:|"
for t in "${ORDER[@]}"; do
  for kind in benign sqli; do
    r=$(median <<<"${RPS[$t.$kind]}"); p=$(median <<<"${P99[$t.$kind]}"); l=$(median <<<"${LAT1[$t.$kind]}")
    base=$(median <<<"${LAT1[backend.$kind]}"); c=$(median <<<"${CPU[$t.$kind]}")
    awk -v t="$t" -v k="$kind" -v r="$r" -v c="$c" -v p="$p" -v l="$l" -v b="$base" \
      'BEGIN { printf "| %s | %s | %.0f | %d µs | %.2f ms | %.3f ms | %+.3f ms |\n", t, k, r, c, p/1000, l/1000, (l-b)/1000 }'
  done
done
r=$(median <<<"${RPS[rampart.benign]}"); m=$(median <<<"${RPS[modsecurity.benign]}")
awk -v r="$r" -v m="$m" 'BEGIN { printf "\nrampart / ModSecurity+CRS throughput, benign: %.1fx\n", r/m }'

if [[ $DETECTION == 1 ]]; then
  echo
  "$PY" bench/waf/detection.py "$SHARED/data/waf" "ModSecurity+CRS 3.3 (PL1)=18081" "rampart (every managed group)=18092" 2>"$work/detection.log"
fi
