#!/usr/bin/env python3
"""Writes a month of random eventstream lines for comparing builds.

    python3 benches/month_events.py [N] > events.jsonl   (default 400000)

60 entities (lights, motion sensors, switches) toggled at random times over
the last 29 days, seeded so every run writes the same sequence relative to
now. Used in BENCHMARKS.md ("Release profile") with `habitd import` and
`habitd analyze --json` to compare release profiles on one input.
"""
import datetime
import random
import sys

random.seed(7)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
start = now - datetime.timedelta(days=29)
entities = (
    [f"light.l{i}" for i in range(20)]
    + [f"binary_sensor.m{i}" for i in range(20)]
    + [f"switch.s{i}" for i in range(20)]
)
state = {e: "off" for e in entities}
span = (now - start).total_seconds()
for t in sorted(random.random() * span for _ in range(n)):
    entity = random.choice(entities)
    old = state[entity]
    new = "on" if old == "off" else "off"
    state[entity] = new
    ts = (start + datetime.timedelta(seconds=t)).isoformat()
    sys.stdout.write(
        '{"event_type":"state_changed","event_data":{"entity_id":"%s",'
        '"old_state":{"state":"%s","last_changed":"%s"},"new_state":{"state":"%s",'
        '"attributes":{},"last_changed":"%s","last_updated":"%s",'
        '"context":{"id":"x","parent_id":null,"user_id":"u1"}}}}\n'
        % (entity, old, ts, new, ts, ts)
    )
