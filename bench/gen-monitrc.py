#!/usr/bin/env python3
"""Writes a control file with N services (default 10000) of mixed types, for the parser
benchmark: processes with programs and resource rules, files, hosts with HTTP tests,
filesystems and programs. Usage: gen-monitrc.py N > FILE"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
out = ["set daemon 30 with start delay 10", "set log /tmp/rmonit-bench.log",
       "set httpd port 2812 and use address 127.0.0.1 allow admin:\"$2y$05$abcdefghijklmnopqrstuv\"",
       "set alert ops@example.com not on { instance, action } with reminder on 10 cycles"]
for i in range(n):
    kind = i % 5
    if kind == 0:
        out.append(f"""check process proc{i} with pidfile /run/proc{i}.pid
  start program = "/bin/true start {i}" with timeout 30 seconds
  stop program = "/bin/true stop {i}"
  if cpu > 80% for 5 cycles then alert
  if totalmem > 200 MB then restart
  if failed host 127.0.0.1 port {1024 + i % 60000} protocol http request "/health" with timeout 5 seconds then restart
  if 3 restarts within 5 cycles then unmonitor
  group bench""")
    elif kind == 1:
        out.append(f"""check file file{i} with path /etc/hostname
  if failed checksum then alert
  if timestamp > 1 hour then alert
  if size > 10 MB then alert
  depends on proc{i - 1}""")
    elif kind == 2:
        out.append(f"""check host host{i} with address 127.0.0.{1 + i % 250}
  if failed port 443 protocol https and certificate valid > 30 days then alert
  if failed ping count 3 then alert""")
    elif kind == 3:
        out.append(f"""check filesystem fs{i} with path /
  if space usage > 90% for 5 times within 15 cycles then alert
  if inode usage > 90% then alert""")
    else:
        out.append(f"""check program prog{i} with path "/bin/true {i}" with timeout 10 seconds
  every 2 cycles
  if status != 0 then alert else if succeeded then alert""")
print("\n".join(out))
