"""report.json (every number, the models, the data, the settings) and report.md (tables like the paper's Table 2)."""

from __future__ import annotations

import json
import os
from pathlib import Path

PROBE_TITLES = {"linear": "Linear", "mlp": "Non-linear"}
METRICS = (("acc", "Acc"), ("r@90", "R@90"), ("r@95", "R@95"))


def _pct(v) -> str:
    return "-" if v is None else f"{100 * v:.1f}"


def _num(v, fmt: str = "{:.3f}") -> str:
    return "-" if v is None else fmt.format(v)


def probe_table(models: list[dict], label: str) -> list[str]:
    """Markdown rows of the Table-2 layout for one label: rows models, columns probe x (Acc, R@90, R@95), in %."""
    probes = [p for p in PROBE_TITLES if any(p in m["probes"].get(label, {}) for m in models)]
    head = ["model"] + [f"{PROBE_TITLES[p]} {t}" for p in probes for _, t in METRICS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in models:
        r = m["probes"].get(label, {})
        cells = [m["name"]] + [_pct(r.get(p, {}).get(k)) for p in probes for k, _ in METRICS]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: dict) -> str:
    """The human-readable report: data, per-label probe tables, color invariance, retrieval, pictures."""
    d, s, models = report["data"], report["settings"], report["models"]
    out = ["# skill-ssl evaluation", ""]
    out.append(f"Data: `{d['path']}`: {d['n_embedded']} images embedded of {d['n_evaluated']} evaluated "
               f"({d['n_records']} in the data; {len(d['skipped'])} unreadable skipped, {len(d['missing'])} missing).")
    out.append(f"Created {report['created']}; seed {s['seed']}; color crop `{s['color_crop']}`; "
               f"{s['n_clusters']} clusters for every model.")
    out += ["", "Models:", ""]
    for m in models:
        mi = m["model"]
        out.append(f"- **{m['name']}**: `{mi.get('run')}` ({mi.get('arch')}, {mi.get('image_size')} px, "
                   f"{mi.get('embed_dim')}-d)")
    for label, counts in d["labels"].items():
        first = next((m["probes"].get(label, {}) for m in models), {})
        out += ["", f"## Probes: `{label}` ({len(counts)} classes; {first.get('split', '')})", ""]
        if first.get("skipped"):
            out.append(f"Skipped: {first['skipped']}.")
            continue
        out += probe_table(models, label)
    if not d["labels"]:
        out += ["", "No label column with more than one class: no probes."]
    out += ["", "Accuracy and micro-averaged Recall at Precision 0.90 / 0.95, in %; see docs/metrics.md for the rule.",
            "", f"## Color invariance ({s['n_clusters']} clusters)", "",
            "| model | color entropy (bits) ↑ | shuffled colors (fully color-blind) | size-weighted | "
            "color-probe acc (%) ↓ | majority color (%) |",
            "|---|---|---|---|---|---|"]
    for m in models:
        c = m["color"]
        out.append(f"| {m['name']} | {_num(c['entropy_mean'])} | {_num(c.get('entropy_shuffled'))} | "
                   f"{_num(c['entropy_weighted'])} | {_pct(c['color_probe_acc'])} | {_pct(c['color_probe_majority'])} |")
    if models:
        out.append("\nColor entropy: mean over clusters of the entropy of their color-ID histograms; the shuffled "
                   "column is its value with color IDs shuffled over the same clusters. Color IDs in the data: "
                   + ", ".join(f"{k} {v}" for k, v in d["color_ids"].items()) + ".")
    ks = s["ks"]
    out += ["", "## Retrieval (leave-one-out kNN, cosine)", ""]
    head = ["model", "label"] + [f"top-{k} agreement" for k in ks]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in models:
        for label, agr in m["retrieval"]["label_agreement"].items():
            out.append("| " + " | ".join([m["name"], label] + [_pct((agr or {}).get(f"top{k}")) for k in ks]) + " |")
    if any(m["retrieval"]["product_precision"] for m in models):
        out += ["", "| model | " + " | ".join(f"product P@{k}" for k in ks) + " |", "|---|" + "---|" * len(ks)]
        for m in models:
            pp = m["retrieval"]["product_precision"] or {}
            out.append("| " + " | ".join([m["name"]] + [_pct(pp.get(f"p@{k}")) for k in ks]) + " |")
    else:
        out.append("\nNo product has several photos: product precision@k not computed.")
    pictures = [(k, v) for k, v in report.get("plots", {}).items()]
    pictures += [(f"{m['name']} {k}", v) for m in models for k, v in m.get("plots", {}).items()]
    if pictures:
        out += ["", "## Pictures", ""]
        out += [f"### {title}\n\n![{title}]({path})\n" for title, path in pictures]
    return "\n".join(out).rstrip() + "\n"


def write_report(out: str | os.PathLike, report: dict) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.md`` into the folder ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    js, md = out / "report.json", out / "report.md"
    js.write_text(json.dumps(report, indent=2, default=str) + "\n")
    md.write_text(render_markdown(report))
    return js, md
