# Samples CPU time (utime+stime from /proc) by process group every 2 s into /tmp/cpu.tsv,
# for the per-request CPU split in docs/scaling.md. Stop it with pkill -f cpusample.py.
import os, time
hz = os.sysconf('SC_CLK_TCK')
out = open('/tmp/cpu.tsv', 'w')
while True:
    groups = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit(): continue
        try:
            cmd = open(f'/proc/{pid}/cmdline','rb').read().replace(b'\0',b' ').decode(errors='replace')
            st = open(f'/proc/{pid}/stat').read().rsplit(')',1)[1].split()
        except Exception: continue
        ticks = int(st[11]) + int(st[12])
        if 'karmayogi serve' in cmd: g='serve'
        elif 'karmayogi load' in cmd: g='loadgen'
        elif cmd.startswith('postgres: postgres karmayogi') or ('karmayogi-pg-' in cmd): g='pg_private'
        elif cmd.startswith('postgres:') : g='pg_other'
        elif 'redis-server' in cmd and ':6379' not in cmd: g='redis_private'  # the shared one is on 6379
        else: continue
        groups[g] = groups.get(g,0) + ticks
    out.write(f"{time.time():.1f}\t" + "\t".join(f"{k}={v/hz:.2f}" for k,v in sorted(groups.items())) + "\n"); out.flush()
    time.sleep(2)
