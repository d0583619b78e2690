"""Training throughput and peak memory: skill-ssl's training step vs a straightforward reference step.

Both contenders train the same ViT + DINO head (student and EMA teacher, same initial weights) on the same
pre-made views (real clothing-small photos through the task's augmentation space, made once and saved, so
augmentation is excluded), with the same AdamW parameter groups, schedules and gradient clipping:

* ``skill-ssl``: the trainer's real step: :class:`skill_ssl.methods.skill.SkillMethod` (one backbone pass per
  resolution, the batched DINO loss with centring), the run's autocast (``--amp``; bf16 on CUDA), clipping,
  schedules from :func:`skill_ssl.schedules.build_schedules` and the fused EMA (:meth:`Method.ema_update`).
* ``reference``: written here as the DINO reference would be read naively: one backbone pass PER VIEW, a plain
  double loop over (teacher view, student view) pairs for the loss, a per-parameter EMA loop, fp32
  (``--ref-amp off``).

Each contender runs in a fresh subprocess (peak memory of one cannot pollute the other): ``--warmup`` steps,
then ``--steps`` timed steps (their median); ``--repeats`` processes per contender in alternating order, the
fastest reported (robust to other work on a shared machine). Peak memory: max RSS of the process (``resource.getrusage``) and its growth over
the set-up (model, optimizer, views) on CPU; ``torch.cuda.max_memory_allocated`` on CUDA.

Usage::

    python benchmarks/train_throughput.py                             # CPU preset model (ViT 4x96, patch 8, 64/32 px)
    python benchmarks/train_throughput.py --device cuda --amp bf16 --arch vit_small_patch8_224 \\
        --global-size 224 --low-size 96 --n-low 8                     # the paper's step on a GPU
    python benchmarks/train_throughput.py --end-to-end --steps 12     # the whole `skill-ssl train` loop (data,
                                                                      # augmentation, step) from metrics.jsonl
    python benchmarks/train_throughput.py --end-to-end --steps 40 --loader-workers 0 1 2 --data DIR
                                                                      # the same per worker count, side by side
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import clothing_paths, machine, print_table  # noqa: E402

CONTENDERS = ("skill-ssl", "reference")


# --- configuration shared by both contenders ------------------------------------------------------

def resolved_config(args: argparse.Namespace):
    """The resolved :class:`~skill_ssl.config.TrainConfig` both contenders are built from."""
    from skill_ssl.config import TrainConfig

    values: dict[str, Any] = {"task": args.task, "method": "skill", "preset": args.preset, "device": args.device,
                              "amp": args.amp, "seed": args.seed}
    for key in ("arch", "global_size", "low_size", "n_low", "local_size", "batch_size"):
        if getattr(args, key) is not None:
            values[key] = getattr(args, key)
    device_type = "cuda" if str(args.device).startswith("cuda") else "cpu"
    return TrainConfig.from_dict(values, "command line").resolve(device_type)


def make_views(cfg, path: Path) -> dict[str, Any]:
    """Augment one batch of real photos with the run's space and save the view tensors to ``path``."""
    import torch

    from skill_aug.io import read_image
    from skill_aug.space import AugmentationSpace
    from skill_ssl.data import space_config

    photos = [read_image(p) for p in clothing_paths("train", limit=cfg.batch_size)]
    space = AugmentationSpace(cfg.task, space_config(cfg), device="cpu", seed=cfg.seed)
    views = space(photos, generator=torch.Generator().manual_seed(cfg.seed))
    torch.save({"global_high": views.global_high, "global_low": views.global_low, "local": views.local}, path)
    return {"n_global": len(views.global_high), "n_low": len(views.global_low), "local": list(views.local),
            "shapes": sorted({tuple(v.shape[1:]) for v in views.student_views()})}


# --- the two steps --------------------------------------------------------------------------------

class OursStep:
    """skill-ssl's training step, from the trainer's own parts (method, param groups, autocast, schedules)."""

    def __init__(self, cfg, device, views, total_steps: int):
        import torch

        from skill_ssl.methods import get_method
        from skill_ssl.models import build_backbone
        from skill_ssl.schedules import build_schedules, scaled_lr
        from skill_ssl.train import _autocast, _param_groups

        overrides = cfg.timm_overrides()
        torch.manual_seed(cfg.seed)
        self.method = get_method(cfg.method)(
            cfg, lambda dp: build_backbone(cfg.arch, cfg.global_size, drop_path_rate=dp, **overrides)).to(device)
        self.optimizer = torch.optim.AdamW(_param_groups(self.method.online), lr=0.0, weight_decay=0.0)
        self.sched = build_schedules(
            epochs=1, steps_per_epoch=total_steps, lr=scaled_lr(cfg.lr, cfg.batch_size), min_lr=cfg.min_lr,
            warmup_epochs=0, weight_decay=cfg.weight_decay, weight_decay_end=cfg.weight_decay_end,
            momentum_teacher=cfg.momentum_teacher, teacher_temp=cfg.teacher_temp,
            warmup_teacher_temp=cfg.warmup_teacher_temp, warmup_teacher_temp_epochs=0)
        self.autocast = _autocast(device, cfg.amp)
        self.clip = cfg.clip_grad
        self.views = views
        self.method.online.train()
        self.method.teacher.train()

    def __call__(self, step: int) -> float:
        import torch

        values = self.sched.at(step)
        for group in self.optimizer.param_groups:
            group["lr"] = values["lr"]
            if not group.get("no_decay"):
                group["weight_decay"] = values["wd"]
        with self.autocast:
            loss, _ = self.method.loss(self.method.online, self.views, values)
        loss_value = float(loss.detach())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grads = [p for p in self.method.online.parameters() if p.grad is not None]
        torch.nn.utils.clip_grad_norm_(grads, self.clip)
        self.optimizer.step()
        self.method.ema_update(values["momentum"])
        return loss_value


class ReferenceStep:
    """The straightforward step: a backbone pass per view, a looped DINO loss, a looped EMA, no autocast."""

    def __init__(self, cfg, device, views, total_steps: int, amp: str = "off"):
        import torch

        from skill_ssl.models import DINOHead, build_backbone, feature_dim
        from skill_ssl.schedules import build_schedules, scaled_lr
        from skill_ssl.train import _autocast, _param_groups

        def build(drop_path: float) -> torch.nn.ModuleDict:
            backbone = build_backbone(cfg.arch, cfg.global_size, drop_path_rate=drop_path, **cfg.timm_overrides())
            head = DINOHead(feature_dim(backbone), cfg.out_dim, cfg.head_hidden, cfg.head_bottleneck,
                            cfg.head_layers, use_bn=bool(cfg.head_bn), norm_last_layer=cfg.norm_last_layer)
            return torch.nn.ModuleDict({"backbone": backbone, "head": head}).to(device)

        torch.manual_seed(cfg.seed)  # same initial weights as OursStep (same construction order)
        self.student = build(cfg.drop_path)
        self.teacher = build(0.0)  # no drop-path in the teacher
        self.teacher.load_state_dict(self.student.state_dict())
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.center = torch.zeros(1, cfg.out_dim, device=device)
        self.optimizer = torch.optim.AdamW(_param_groups(self.student), lr=0.0, weight_decay=0.0)
        self.sched = build_schedules(
            epochs=1, steps_per_epoch=total_steps, lr=scaled_lr(cfg.lr, cfg.batch_size), min_lr=cfg.min_lr,
            warmup_epochs=0, weight_decay=cfg.weight_decay, weight_decay_end=cfg.weight_decay_end,
            momentum_teacher=cfg.momentum_teacher, teacher_temp=cfg.teacher_temp,
            warmup_teacher_temp=cfg.warmup_teacher_temp, warmup_teacher_temp_epochs=0)
        self.autocast = _autocast(device, amp)
        self.cfg, self.views = cfg, views
        self.student.train()
        self.teacher.train()

    def __call__(self, step: int) -> float:
        import torch
        import torch.nn.functional as F

        cfg = self.cfg
        values = self.sched.at(step)
        for group in self.optimizer.param_groups:
            group["lr"] = values["lr"]
            if not group.get("no_decay"):
                group["weight_decay"] = values["wd"]
        teacher_in, student_in = self.views.teacher_views(), self.views.student_views()
        with self.autocast:
            with torch.no_grad():
                t_out = [self.teacher["head"](self.teacher["backbone"](v)).float() for v in teacher_in]
            s_out = [self.student["head"](self.student["backbone"](v)).float() for v in student_in]
        total, pairs = 0.0, 0
        for it, t in enumerate(t_out):
            q = F.softmax((t - self.center) / values["teacher_temp"], dim=-1)
            for iv, s in enumerate(s_out):
                if iv == it:
                    continue
                total = total + torch.sum(-q * F.log_softmax(s / cfg.student_temp, dim=-1), dim=-1).mean()
                pairs += 1
        loss = total / pairs
        with torch.no_grad():
            batch_center = torch.cat(t_out).mean(dim=0, keepdim=True)
            self.center = self.center * cfg.center_momentum + batch_center * (1 - cfg.center_momentum)
        loss_value = float(loss.detach())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.student.parameters(), cfg.clip_grad)
        self.optimizer.step()
        m = values["momentum"]
        with torch.no_grad():
            for ps, pt in zip(self.student.parameters(), self.teacher.parameters()):
                pt.mul_(m).add_((1 - m) * ps.detach())
        return loss_value


# --- one contender in a fresh process -------------------------------------------------------------

def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def worker(args: argparse.Namespace) -> None:
    """Run one contender and print its measurements as one JSON line."""
    import torch

    from skill_aug.space import Views

    torch.set_num_threads(args.threads or torch.get_num_threads())
    cfg = resolved_config(args)
    device = torch.device(cfg.device if cfg.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
    cuda = device.type == "cuda"
    saved = torch.load(args.views, weights_only=True)
    views = Views(global_high=[v.to(device) for v in saved["global_high"]],
                  global_low=[v.to(device) for v in saved["global_low"]],
                  local={k: v.to(device) for k, v in saved["local"].items()}, params=None)
    total = args.warmup + args.steps
    if args.worker == "skill-ssl":
        step_fn: Any = OursStep(cfg, device, views, total)
        amp = cfg.amp
    else:
        step_fn = ReferenceStep(cfg, device, views, total, amp=args.ref_amp)
        amp = args.ref_amp

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize(device)

    base_rss = max_rss_mib()
    for s in range(args.warmup):
        step_fn(s)
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    times, losses = [], []
    for s in range(args.warmup, total):
        t0 = time.perf_counter()
        losses.append(step_fn(s))  # float(loss) already waits for the forward; sync waits for the update
        sync()
        times.append(time.perf_counter() - t0)
    imgs = cfg.batch_size
    out = {"contender": args.worker, "amp": amp, "steps": len(times), "step_s_median": statistics.median(times),
           "steps_per_s": 1.0 / statistics.median(times), "img_per_s": imgs / statistics.median(times),
           "loss_first": losses[0], "loss_last": losses[-1], "threads": torch.get_num_threads()}
    if cuda:
        out["peak_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
        out["memory"] = "torch.cuda.max_memory_allocated"
    else:
        out["peak_mib"] = max_rss_mib()
        out["growth_mib"] = out["peak_mib"] - base_rss
        out["memory"] = "max RSS (resource.getrusage)"
    print("RESULT " + json.dumps(out), flush=True)


def step_benchmark(args: argparse.Namespace, argv: list[str]) -> None:
    cfg = resolved_config(args)
    with tempfile.TemporaryDirectory() as tmp:
        views_path = Path(tmp) / "views.pt"
        info = make_views(cfg, views_path)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
        for r in range(args.repeats):  # alternate the order so a busy spell on a shared machine hits both
            for name in CONTENDERS if r % 2 == 0 else CONTENDERS[::-1]:
                cmd = [sys.executable, str(Path(__file__).resolve()), *argv, "--worker", name,
                       "--views", str(views_path)]
                proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
                line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
                if proc.returncode != 0 or line is None:
                    sys.stderr.write(proc.stderr[-4000:])
                    raise SystemExit(f"the {name} step failed (exit {proc.returncode}); see the error above")
                runs[name].append(json.loads(line[len("RESULT "):]))
        # the fastest repeat of each contender (the least disturbed one); memory from that same process
        results = {name: max(rs, key=lambda x: x["steps_per_s"]) for name, rs in runs.items()}
        for name, rs in runs.items():
            results[name]["repeats_steps_per_s"] = [round(x["steps_per_s"], 3) for x in rs]
    ref = results["reference"]
    views = (f"{info['n_global']}x{cfg.global_size} + {info['n_low']}x{cfg.low_size}"
             + (f" + {len(info['local'])}x{cfg.local_size} local" if info["local"] else ""))
    mem_head = "peak MiB (GPU)" if str(cfg.device).startswith("cuda") else "peak RSS MiB"
    rows = []
    for name, r in results.items():
        passes = len(info["shapes"]) + 1 if name == "skill-ssl" else info["n_global"] * 2 + info["n_low"] + len(info["local"])
        rows.append([name, r["amp"], passes, f"{r['steps_per_s']:.2f}", f"{r['img_per_s']:.1f}",
                     f"{r['steps_per_s'] / ref['steps_per_s']:.2f}x", f"{r['peak_mib']:.0f}",
                     f"{r['growth_mib']:.0f}" if "growth_mib" in r else "-",
                     f"{r['loss_first']:.3f} / {r['loss_last']:.3f}"])
    overrides = cfg.timm_overrides()
    title = (f"training step, {cfg.arch} {overrides or ''}, views {views}, batch {cfg.batch_size}, DINO head "
             f"{cfg.out_dim}-d; {args.warmup} warm-up + {args.steps} timed steps (median), best of {args.repeats} "
             f"fresh processes each; "
             f"device {cfg.device}; {machine()}")
    print_table(["step", "amp", "backbone passes", "steps/s", "img/s", "vs reference", mem_head,
                 "growth MiB", "loss first / last"], rows, title=title)
    print("steps/s of every repeat: " + "; ".join(f"{n} {r['repeats_steps_per_s']}" for n, r in results.items()))
    if args.json:
        Path(args.json).write_text(json.dumps({"config": cfg.to_dict(), "views": info, "results": results,
                                               "machine": machine()}, indent=2, default=str))


# --- end-to-end: the whole trainer --------------------------------------------------------------

def end_to_end(args: argparse.Namespace, extra: dict[str, str]) -> None:
    """``skill-ssl train`` for ``--steps`` steps; img/s from metrics.jsonl (first ``--skip`` steps left out).

    With ``--loader-workers 0 1 2`` one run per worker count, side by side, each as a ratio to the first; on a
    CPU, a worker count above 0 runs twice: views made in the main process (``worker_views false``), then in
    the workers (the default)."""
    from skill_ssl.config import TrainConfig
    from skill_ssl.train import train

    rows, base = [], None
    variants: list[tuple[int | None, bool | None]] = [(None, None)]
    if args.loader_workers:
        cpu = args.device == "cpu"
        variants = [v for w in args.loader_workers for v in ([(w, False), (w, True)] if w > 0 and cpu else [(w, None)])]
    from skill_aug.detect import cache

    for workers, worker_views in variants:
        cache.clear()  # every variant detects its heads itself (forked workers would inherit the last run's)
        with tempfile.TemporaryDirectory() as tmp:
            values = {"task": args.task, "preset": args.preset, "device": args.device, "amp": args.amp,
                      "out": str(Path(tmp) / "run"), "stop_at_step": args.steps, **extra}
            for key in ("arch", "global_size", "low_size", "n_low", "local_size", "batch_size"):
                if getattr(args, key) is not None:
                    values[key] = getattr(args, key)
            if workers is not None:
                values["workers"] = workers
            if worker_views is not None:
                values["worker_views"] = worker_views
            res = train(TrainConfig.from_dict(values), progress=False)
            steps = [json.loads(s) for s in res.metrics.read_text().splitlines()]
            rates = [r["img_per_s"] for r in steps if r["type"] == "step"][args.skip:]
            resolved = TrainConfig.from_file(res.run_dir / "config.yaml")
        if not rates:
            raise SystemExit("too few steps measured; raise --steps")
        median = statistics.median(rates)
        base = base or median
        views = f"2+{resolved.n_low} at {resolved.global_size}/{resolved.low_size}"
        made_in = "workers" if resolved.workers and resolved.worker_views is not False and args.device == "cpu" \
            else "main process"
        rows.append([resolved.preset, f"{resolved.arch} {resolved.timm_overrides() or ''}", views,
                     resolved.batch_size, resolved.amp, resolved.workers, made_in, len(rates), f"{median:.1f}",
                     f"{max(rates):.1f}", f"{median / base:.2f}x"])
    print_table(["config", "arch", "views", "batch", "amp", "workers", "views made in", "steps", "img/s (median)",
                 "img/s (max)", "vs first row"], rows,
                title=f"skill-ssl train throughput ({resolved.method}, task {resolved.task}) on {machine()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default="shirt")
    ap.add_argument("--preset", default="auto", choices=["auto", "cpu", "paper"],
                    help="sizes not given on the command line (auto: cpu on CPU, paper on CUDA)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--amp", default="auto", help="skill-ssl's autocast: auto (bf16 on CUDA, off on CPU), bf16, fp16, off")
    ap.add_argument("--ref-amp", default="off", help="the reference's autocast (default off: fp32)")
    ap.add_argument("--arch", default=None, help="timm ViT (default: the preset's)")
    ap.add_argument("--global-size", type=int, default=None)
    ap.add_argument("--low-size", type=int, default=None)
    ap.add_argument("--local-size", type=int, default=None)
    ap.add_argument("--n-low", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10, help="timed steps per contender (end-to-end: steps run)")
    ap.add_argument("--repeats", type=int, default=3, help="fresh processes per contender, order alternating; "
                    "the fastest is reported")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--json", default=None, help="also write the measurements to this JSON file")
    ap.add_argument("--end-to-end", action="store_true", help="time the whole skill-ssl train loop instead")
    ap.add_argument("--skip", type=int, default=3, help="end-to-end: first steps left out of the median")
    ap.add_argument("--loader-workers", type=int, nargs="+", default=None,
                    help="end-to-end: one run per DataLoader worker count (default: the preset's)")
    ap.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    ap.add_argument("--views", help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args()
    if args.worker:
        worker(args)
    elif args.end_to_end:
        extra = {key.lstrip("-").replace("-", "_"): value for key, value in zip(rest[::2], rest[1::2])}
        end_to_end(args, extra)
    else:
        if rest:
            ap.error(f"unrecognized arguments: {' '.join(rest)}")
        step_benchmark(args, _without(sys.argv[1:], "--json"))


def _without(argv: list[str], flag: str) -> list[str]:
    """``argv`` without ``flag`` and its value (the workers do not write the JSON)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == flag:
            skip = True
            continue
        if a.startswith(flag + "="):
            continue
        out.append(a)
    return out


if __name__ == "__main__":
    main()
