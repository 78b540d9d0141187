#!/bin/bash
# Times 200 sequential recordEvidence mutations over HTTP against `serve --demo` on a
# fresh SQLite file (docs/benchmarks.md, "Cheap evidence writes"). Needs curl and python3.
# Usage: bench/evidence-sqlite.sh BIN NAME PORT   e.g. bench/evidence-sqlite.sh ./bin/karmayogi new 18932
BIN=$1; NAME=$2; PORT=$3
DIR=${TMPDIR:-/tmp}
DB=$DIR/$NAME.db
rm -f "$DB"*
export DATABASE_URL=sqlite://$DB
"$BIN" serve --demo --addr 127.0.0.1:$PORT > "$DIR/$NAME.log" 2>&1 &
PID=$!
trap 'kill $PID' EXIT
for i in $(seq 1 120); do curl -s -o /dev/null http://127.0.0.1:$PORT/healthz && break; sleep 1; done
TOK=$("$BIN" token --role PLATFORM_ADMIN --ttl 1h 2>/dev/null | tail -1)
Q='{"query":"{ learners(first: 50) { edges { node { id roles { requirements { competency { id } } } } } } }"}'
curl -s -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' -d "$Q" http://127.0.0.1:$PORT/graphql > "$DIR/$NAME.learners.json"
python3 - "$TOK" "$PORT" "$NAME" "$DIR/$NAME.learners.json" <<'PY'
import json, sys, time, urllib.request
tok, port, name, learners = sys.argv[1:5]
d = json.load(open(learners))
pairs = [(e['node']['id'], q['competency']['id']) for e in d['data']['learners']['edges']
         for r in e['node']['roles'] for q in r['requirements']]
m = 'mutation R($input: RecordEvidenceInput!) { recordEvidence(input: $input) { evidence { id observedAt } proficiency { level confidence } } }'
times = []
for i in range(200):
    l, c = pairs[(i * 7) % len(pairs)]
    body = json.dumps({'query': m, 'variables': {'input': {'learnerId': l, 'competencyId': c, 'source': 'SUPERVISOR', 'level': 1 + i % 5}}}).encode()
    req = urllib.request.Request(f'http://127.0.0.1:{port}/graphql', body, {'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'})
    t = time.perf_counter()
    out = json.load(urllib.request.urlopen(req))
    times.append((time.perf_counter() - t) * 1000)
    if 'errors' in out:
        sys.exit(f'error: {out["errors"]}')
times.sort()
print(f'{name}: {len(times)} sequential recordEvidence over HTTP on SQLite: p50 {times[len(times)//2]:.1f} ms, '
      f'p95 {times[int(len(times)*.95)]:.1f} ms, mean {sum(times)/len(times):.1f} ms')
PY
