"""Prints bench/history's table for messageformat from rows.tsv and the Layer reports: one row per state,
why each Layer step ran, the totals and the TOTAL line. Usage: summary.py ROWS STATES LOGS"""
import json, os, statistics, sys

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
asked, logs = int(sys.argv[2]), sys.argv[3]
if not rows:
    sys.exit("bench/history: no state was replayed")

print("per state: RUN steps executed / RUN steps in all, and wall seconds; Layer's failed Layerfiles or Docker's outcome")
print(f"{'#':>2} {'commit':<7} {'touched':<28} {'layer':>7} {'s':>7}  {'docker':>7} {'s':>6}  {'naive':>7} {'s':>6}  {'no-cache s':>10}  outcome")
for r in rows:
    n, sha, touched, l_ran, l_total, l_s, l_failed, b_ran, b_total, b_s, b_out, v_ran, v_total, v_s, v_out, nc_s, nc_failed = r
    outcome = f"layer: {'all passed' if l_failed == '-' else 'failed ' + l_failed}; docker: {b_out}"
    if nc_s != "-":
        outcome += f"; no-cache: {'all passed' if nc_failed == '-' else 'failed ' + nc_failed}"
    cold = "  (cold: not counted)" if n == "1" else ""
    print(f"{n:>2} {sha:<7} {touched[:28]:<28} {l_ran + '/' + l_total:>7} {float(l_s):>7.1f}  {b_ran + '/' + b_total:>7} {float(b_s):>6.1f}  "
          f"{v_ran + '/' + v_total:>7} {float(v_s):>6.1f}  {nc_s:>10}  {outcome}{cold}")

print()
print("why Layer ran each step it ran (from the report; every other step's reads held):")
for r in rows[1:]:
    report = json.load(open(os.path.join(logs, f"{r[0]}.json")))
    ran = [(l["path"], s) for l in report["layerfiles"] for s in l["steps"]
           if s["instruction"].startswith("RUN") and s["status"] in ("ran", "failed")]
    held = sum(1 for l in report["layerfiles"] for s in l["steps"] if s["instruction"].startswith("RUN") and s["status"] == "cached")
    print(f"  state {r[0]} ({r[2]}): {len(ran)} ran, {held} skipped with their reads unchanged")
    for path, s in ran:
        reason = (s.get("reason") or "").splitlines()[0][:110] if s.get("reason") else ""
        print(f"    {path}:{s['line']} {s['status']}: {reason}")

warm = rows[1:]
layer_steps = sum(int(r[3]) for r in warm)
docker_steps = sum(int(r[7]) for r in warm)
naive_steps = sum(int(r[11]) for r in warm)
print()
if len(rows) < asked:
    print(f"PARTIAL: {len(rows)} of the {asked} states asked for were replayed (--max-minutes, or the run was stopped)")
print(f"states {len(rows)} (counted: {len(warm)}, the cold build is not)")
print(f"RUN steps executed over the counted states: layer {layer_steps}, docker best practice {docker_steps}, docker naive {naive_steps}")
layer_times = [float(r[5]) for r in warm]
print(f"wall time over the counted states: layer {sum(layer_times) / 60:.1f} min (median {statistics.median(layer_times):.0f} s), "
      f"docker best {sum(float(r[9]) for r in warm) / 60:.1f} min, naive {sum(float(r[13]) for r in warm) / 60:.1f} min; "
      f"cold: layer {float(rows[0][5]):.0f} s, docker best {float(rows[0][9]):.0f} s "
      f"(Docker runs natively, Layer's guests under TCG here: compare Layer with Layer)")
sampled = [r for r in rows if r[15] != "-"]
if sampled:
    nocache = statistics.median(float(r[15]) for r in sampled)
    median = statistics.median(layer_times) if layer_times else float("nan")
    print(f"layer run --all --no-cache on states {','.join(r[0] for r in sampled)}: median {nocache:.0f} s; "
          f"Layer's median state {median:.0f} s = {median / nocache:.2f} of it (target at most 0.33)")
    for r in sampled:
        same = "same outcome" if r[6] == r[16] else f"DIFFERENT outcome: cached run {r[6]}, no-cache {r[16]}"
        print(f"  state {r[0]}: --no-cache {float(r[15]):.0f} s vs {float(r[5]):.0f} s with the cache; {same}")
print(f"TOTAL layer_steps={layer_steps} docker_steps={docker_steps} ratio={layer_steps / docker_steps if docker_steps else float('nan'):.2f}")
