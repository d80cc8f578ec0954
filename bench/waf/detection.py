"""Detection table: the same payloads sent through HTTP to WAFs in front of the same backend,
each as the value of a URL query parameter (`GET /index.html?q=<percent-encoded payload>`),
counting 403 answers per corpus.

Corpora (../shared/data/waf): libinjection's SQLi and XSS samples (attacks, each line
URL-decoded once as libinjection's own tests read them), its false_positives.txt (benign),
GoTestWAF's attack payloads (owasp, owasp-api, community; without its encoders) and its
false-pos texts (benign).

Usage: python detection.py DATA_DIR NAME=PORT [NAME=PORT ...]   (markdown table on stdout)"""

import concurrent.futures
import http.client
import sys
import threading
import urllib.parse
from pathlib import Path

import yaml

data = Path(sys.argv[1])
targets = [arg.split("=", 1) for arg in sys.argv[2:]]
HEADERS = {"Host": "app.example", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
           "Accept": "*/*"}


def lines(path):
    out = []
    for raw in path.read_bytes().split(b"\n"):
        raw = raw.rstrip(b"\r")
        if raw and not raw.startswith(b"#"):
            out.append(urllib.parse.unquote_to_bytes(raw))
    return out


def gotestwaf():
    attacks, benign = {}, []
    for f in sorted((data / "gotestwaf-testcases").rglob("*.yml")):
        text = f.read_text()
        try:
            doc = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            # GoTestWAF's files use escapes Go's YAML reader accepts and YAML 1.1 does not.
            doc = yaml.safe_load(text.replace("\\'", "'")) or {}
        payloads = [str(p).encode() for p in doc.get("payload", []) or []]
        if f.parent.name == "false-pos":
            benign += payloads
        else:
            kind = str(doc.get("type", "other"))
            key = "SQL injection" if "SQL" in kind else "XSS" if "XSS" in kind else "other attacks"
            attacks.setdefault(key, []).extend(payloads)
    return attacks, benign


lib = data / "libinjection-samples"
sqli = [s for f in sorted(lib.glob("sqli-*.txt")) for s in lines(f)]
xss = [s for f in sorted(lib.glob("xss-*.txt")) for s in lines(f)]
fps = lines(lib / "false_positives.txt")
gtw_attacks, gtw_benign = gotestwaf()
gtw_all = [p for ps in gtw_attacks.values() for p in ps]
corpora = [
    ("libinjection SQLi samples (attacks)", sqli, True),
    ("libinjection XSS samples (attacks)", xss, True),
    ("libinjection false_positives.txt (benign)", fps, False),
    ("GoTestWAF SQL injection payloads (attacks)", gtw_attacks.get("SQL injection", []), True),
    ("GoTestWAF XSS payloads (attacks)", gtw_attacks.get("XSS", []), True),
    ("GoTestWAF other attack payloads (attacks)", gtw_attacks.get("other attacks", []), True),
    ("GoTestWAF all attack payloads (attacks)", gtw_all, True),
    ("GoTestWAF false-pos texts (benign)", gtw_benign, False),
]

local = threading.local()


def status(port, payload):
    path = "/index.html?q=" + urllib.parse.quote_from_bytes(payload, safe="")
    for attempt in range(3):
        conn = getattr(local, "conns", {}).get(port)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            local.__dict__.setdefault("conns", {})[port] = conn
        try:
            conn.request("GET", path, headers=HEADERS)
            resp = conn.getresponse()
            resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                local.conns.pop(port, None)
            return resp.status
        except (OSError, http.client.HTTPException):
            conn.close()
            local.conns.pop(port, None)
    return 0


def blocked_count(port, payloads):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda p: status(int(port), p), payloads, chunksize=64))
    return sum(c == 403 for c in codes), sum(c not in (200, 403) for c in codes)


results = {}
for name, port in targets:
    for corpus, payloads, _ in corpora:
        results[(name, corpus)] = blocked_count(port, payloads)
        print(f"# {name} {corpus}: {results[(name, corpus)]}", file=sys.stderr)

header = " | ".join(f"{name}: blocked" for name, _ in targets)
print(f"| corpus | samples | {header} |")
print("|---|---:|" + "---:|" * len(targets))
for corpus, payloads, attack in corpora:
    cells = []
    for name, _ in targets:
        hit, odd = results[(name, corpus)]
        rate = 100.0 * hit / len(payloads) if payloads else 0.0
        cells.append(f"{rate:.1f}%" + (f" ({odd} other)" if odd else ""))
    kind = "true positives" if attack else "false positives"
    print(f"| {corpus}, {kind} | {len(payloads):,} | " + " | ".join(cells) + " |")
