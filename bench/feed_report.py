"""The feed benchmark's outputs: a markdown table, a PNG plot and the README summary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

Results = dict[str, Any]
BACKENDS_SECTION = "feed-backends"
COLUMNS = ("mode", "server p50/p95/p99 ms", "HTTP 1 client p50/p95/p99 ms",
           "HTTP 64 clients p50/p95/p99 ms", "reads/s (64 clients)", "CPU ms/read in-process",
           "CPU ms/read HTTP server", "lag p99 s (push author)", "lag p99 s (celebrity)",
           "feed rows written/post", "feed store rows", "feed store MB")


def _triple(part: dict[str, Any] | None) -> str:
    if not part:
        return "-"
    return f"{part['p50_ms']:.1f} / {part['p95_ms']:.1f} / {part['p99_ms']:.1f}"


def _row(mode: str, result: Results, top: int) -> list[str]:
    http = result.get("http", {})
    lag, celebrity = result.get("lag", {}), result.get("lag_celebrity", {})
    many = http.get(str(top))
    return [mode, _triple(result["server"]["home"]), _triple(http.get("1")), _triple(many),
            f"{many['rps']:.0f}" if many else "-",
            f"{result['server']['cpu_ms_per_read']:.1f}",
            f"{many['server_cpu_ms_per_read']:.1f}" if many else "-",
            f"{lag['p99_s']:.2f}" if lag else "-",
            f"{celebrity['p99_s']:.2f}" + (" (pulled)" if celebrity.get("pulled") else "")
            if celebrity else "-",
            f"{result['feed_rows_per_post']:.1f}", f"{result['feed_rows']:,}",
            f"{result['feed_bytes'] / 1e6:,.0f}"]


def _probe(result: Results) -> str:
    probe = result.get("probe")
    return f"{probe['p99_s']:.2f}" if probe else "-"


def table(results: Results) -> str:
    """Markdown: one line per mode, then what the numbers were measured on."""
    top = max(int(c) for c in results["clients"])
    head = [c.replace("64", str(top)) for c in COLUMNS]
    data = results["data"]
    probed = any("probe" in r for r in results["modes"].values())
    if probed:  # only runs with a probe author (--probe-followers) have this column
        head.append(f"fan-out p99 s to {data['probe_followers']:,} followers")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_row(m, r, top) + ([_probe(r)] if probed else [])) + " |"
              for m, r in results["modes"].items()]
    lines += ["", f"Data set: {data['users']:,} users, {data['follows']:,} follows, "
              f"{data['posts']:,} posts; celebrity threshold {data['celebrity_threshold']:,} "
              f"followers; push author has {data['lag_author_followers']:,} followers, "
              f"celebrity {data['celebrity_followers']:,}. Server: {results['server']}. "
              f"HTTP runs: {results['duration']:g} s each after {results['warmup']:g} s "
              f"warm-up. Backend: {results.get('backend', 'embedded')}. "
              f"Machine: {results['machine']}"
              + (f", {results['load_average_at_end']:.1f} at the end."
                 if "load_average_at_end" in results else ".")]
    servers = results.get("servers")
    if servers:
        lines += ["", "| server (hybrid, GET home limit=20) | clients | reads/s | "
                  "p50/p95/p99 ms | server CPU ms/read |", "|---|---|---|---|---|"]
        for name, by_clients in servers.items():
            for clients, run in by_clients.items():
                lines.append(f"| {name} | {clients} | {run['rps']:.0f} | {_triple(run)} | "
                             f"{run['server_cpu_ms_per_read']:.1f} |")
    return "\n".join(lines) + "\n"


def plot(results: Results, path: Path) -> None:
    """Latency percentiles per mode and measurement, and fan-out lag per mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(results["modes"])
    top = str(max(int(c) for c in results["clients"]))
    kinds = [("server", "in-process"), ("1", "HTTP 1 client"), (top, f"HTTP {top} clients")]
    figure, (latency, lag) = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.8 / (len(kinds) * 3)
    for k, (kind, label) in enumerate(kinds):
        for q, quantile in enumerate(("p50_ms", "p95_ms", "p99_ms")):
            values = [_part(results["modes"][m], kind).get(quantile, 0.0) for m in modes]
            offset = (k * 3 + q) * width - 0.4 + width / 2
            latency.bar([i + offset for i in range(len(modes))], values, width,
                        label=f"{label} {quantile[:3]}", color=f"C{k}", alpha=0.45 + 0.25 * q)
    latency.set_xticks(range(len(modes)), modes)
    latency.set_yscale("log")
    latency.set_ylabel("feed read latency, ms (log)")
    latency.set_title("GET home feed, 20 posts")
    latency.legend(fontsize=7, ncol=3)
    for a, (key, label) in enumerate((("lag", "push author"), ("lag_celebrity", "celebrity"))):
        values = [results["modes"][m].get(key, {}).get("p99_s", 0.0) for m in modes]
        lag.bar([i + (a - 0.5) * 0.4 for i in range(len(modes))], values, 0.4, label=label)
    lag.set_xticks(range(len(modes)), modes)
    lag.set_ylabel("seconds until 99% of sampled followers see a post")
    lag.set_title("fan-out lag p99")
    lag.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _part(result: Results, kind: str) -> dict[str, float]:
    if kind == "server":
        home: dict[str, float] = result["server"]["home"]
        return home
    http: dict[str, float] = result.get("http", {}).get(kind, {})
    return http


def _pair(part: dict[str, Any] | None) -> str:
    return f"{part['p50_ms']:.1f} / {part['p99_ms']:.1f}" if part else "-"


def compare(embedded: Results, scale_out: Results) -> str:
    """Markdown: the same data set on both backends, each mode's two runs side by side."""
    top = str(max(int(c) for c in embedded["clients"]))
    probe_followers = scale_out["data"].get("probe_followers", 0)
    head = ["mode", "backend", "server p50 / p99 ms", "p99 vs embedded",
            "HTTP 1 client p50 / p99 ms", f"HTTP {top} clients p50 / p99 ms",
            f"reads/s ({top} clients)", "CPU ms/read in-process / HTTP",
            "fan-out lag p99 s (push author)",
            f"fan-out p99 s to {probe_followers:,} followers", "feed store MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    alongside = False
    for mode in [m for m in embedded["modes"] if m in scale_out["modes"]]:
        for name, results in (("embedded", embedded), ("scale-out", scale_out)):
            result = results["modes"][mode]
            http = result.get("http", {})
            many, lag = http.get(top), result.get("lag", {})
            cpu_http = f"{many['server_cpu_ms_per_read']:.1f}" if many else "-"
            p99 = result["server"]["home"]["p99_ms"]
            ratio = f"{p99 / embedded['modes'][mode]['server']['home']['p99_ms']:.1f}x"
            if name == "scale-out" and "server_embedded" in result:
                base = result["server_embedded"]["home"]["p99_ms"]
                ratio, alongside = f"{p99 / base:.1f}x (of {base:.1f} alongside)", True
            elif name == "embedded":
                ratio = "1.0x"
            lines.append("| " + " | ".join([
                mode, name, _pair(result["server"]["home"]), ratio,
                _pair(http.get("1")), _pair(many), f"{many['rps']:.0f}" if many else "-",
                f"{result['server']['cpu_ms_per_read']:.1f} / {cpu_http}",
                f"{lag['p99_s']:.2f}" if lag else "-", _probe(result),
                f"{result['feed_bytes'] / 1e6:,.0f}"]) + " |")
    data = embedded["data"]
    pulled = " (fanned out in push mode only: hybrid pulls authors at the threshold)" \
        if probe_followers >= data["celebrity_threshold"] else ""
    lines += ["", f"Data set: {data['users']:,} users, {data['follows']:,} follows, "
              f"{data['posts']:,} posts, feeds capped at {embedded.get('cap', 800)}; celebrity "
              f"threshold {data['celebrity_threshold']:,} followers; push author "
              f"{data['lag_author_followers']:,} followers; probe author "
              f"{probe_followers:,} followers{pulled}. {scale_out.get('backend', '')}. "
              f"HTTP runs: {embedded['duration']:g} s each after {embedded['warmup']:g} s "
              f"warm-up. Load average (start / end): embedded {_loads(embedded)}, "
              f"scale-out {_loads(scale_out)}; {embedded['machine'].split(', load')[0]}."]
    if alongside:
        lines += ["", "p99 vs embedded: in the scale-out run, its in-process reads took turns "
                  "with embedded ones on the same data set (warmed alike, then alternating "
                  "in rounds), and the ratio is of those two p99s, so a drift of the "
                  "machine's speed between the two runs does not enter it."]
    return "\n".join(lines) + "\n"


def _loads(results: Results) -> str:
    start = re.search(r"load average ([\d.]+)", results["machine"])
    end = results.get("load_average_at_end")
    return f"{start.group(1) if start else '?'} / {f'{end:.1f}' if end is not None else '?'}"


def update_readme(readme: Path, summary: str, section: str = "feed-bench") -> None:
    """Replace a section of a README between its markers, or append one."""
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    block = f"{start}\n{summary.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) \
        else text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text)
