"""The training loop: one trainer for SkiLL, DINO, BYOL and SimCLR.

Per step: the batch's products (decoded, regions located by the CPU workers) are augmented on the device
by the :class:`~skill_aug.space.AugmentationSpace`, the method computes its loss under autocast, the
optimizer steps with the precomputed lr / weight decay of that step (gradient clipping; the DINO head's
last layer frozen in the first epoch), and the teacher follows by EMA. Checkpoints are written atomically
every ``ckpt_every`` steps and at each epoch end; ``--resume`` continues bit-for-bit on the same device.

Determinism: every step reseeds torch and the augmentation generator from ``(seed, step, rank)`` and the
data order of each epoch is a seeded permutation, so a resumed run sees exactly what an uninterrupted run
of the same length would have seen.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn

from skill_aug.errors import CheckpointError, ConfigError, TrainingError
from skill_ssl import distributed as D
from skill_ssl.checkpoint import CHECKPOINT_NAME, FORMAT, VERSION, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from skill_ssl.config import CONFIG_NAME, TrainConfig
from skill_ssl.data import (CachedSequence, EpochBatchSampler, StepTagged, WorkerAugment, epoch_permutation, load_source,
                            make_loader, space_config, step_seed, steps_per_epoch)
from skill_ssl.schedules import Schedules, build_schedules, scaled_lr, teacher_init_weight

METRICS_NAME = "metrics.jsonl"
LOG_NAME = "train.log"
#: warn when the EMA teacher ends the run holding more than this share of its random initial weights
TEACHER_INIT_WARN = 0.5
#: settings that may change when resuming (they do not change what is computed)
RESUME_OVERRIDABLE = {"device", "workers", "worker_views", "ckpt_every", "log_every", "tensorboard", "stop_at_step", "dist_backend"}


@dataclass
class TrainResult:
    """Where a run wrote its outputs and how it ended."""

    run_dir: Path
    checkpoint: Path
    metrics: Path
    log: Path
    step: int
    total_steps: int
    last_loss: float
    img_per_s: float
    finished: bool


def _pick_run_dir(cfg: TrainConfig) -> Path:
    if cfg.out:
        out = Path(cfg.out)
        if (out / CHECKPOINT_NAME).exists():
            raise ConfigError(f"{out}: already holds a run; continue it with --resume {out} or pass another --out")
        return out
    base = Path("runs") / f"{cfg.task}-{cfg.method}"
    out, n = base, 1
    while out.exists() and any(out.iterdir()):
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def _param_groups(module: nn.Module) -> list[dict[str, Any]]:
    """Weight decay on weights; none on biases and norm parameters (as DINO)."""
    decay, no_decay = [], []
    for name, p in module.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 or name.endswith(".bias") else decay).append(p)
    return [{"params": decay}, {"params": no_decay, "weight_decay": 0.0, "no_decay": True}]


class RunLog:
    """The human-readable run log (``train.log``) and the machine-readable metrics (``metrics.jsonl``)."""

    def __init__(self, run_dir: Path, enabled: bool, tensorboard: bool):
        self.enabled = enabled
        self.log_path, self.metrics_path = run_dir / LOG_NAME, run_dir / METRICS_NAME
        self.tb = None
        if enabled:
            self._log = self.log_path.open("a", encoding="utf-8")
            self._metrics = self.metrics_path.open("a", encoding="utf-8")
            if tensorboard:
                try:
                    from torch.utils.tensorboard import SummaryWriter
                except ImportError:
                    raise ConfigError("--tensorboard needs the tensorboard package; pip install tensorboard") from None
                self.tb = SummaryWriter(str(run_dir / "tb"))

    def line(self, text: str, echo: bool = False) -> None:
        if not self.enabled:
            return
        self._log.write(f"{datetime.now().isoformat(timespec='seconds')} {text}\n")
        self._log.flush()
        if echo:
            print(text, file=sys.stderr)

    def metrics(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        self._metrics.write(json.dumps(record) + "\n")
        self._metrics.flush()
        if self.tb is not None and record.get("type") == "step":
            for k, v in record.items():
                if isinstance(v, (int, float)) and k not in ("step", "epoch"):
                    self.tb.add_scalar(f"train/{k}", v, record["step"])

    def close(self) -> None:
        if self.enabled:
            self._log.close()
            self._metrics.close()
            if self.tb is not None:
                self.tb.close()


def weights_digest(module: nn.Module) -> str:
    """SHA-256 of a module's parameters and buffers (exact equality check across processes)."""
    import hashlib

    h = hashlib.sha256()
    for name, t in sorted(module.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _check_ranks_agree(method: nn.Module, log: RunLog) -> None:
    """Every process must end with the same weights (DDP averages gradients; EMA and centre are replicated)."""
    net = method.teacher if method.teacher is not None else method.online
    digests = D.gather_objects(weights_digest(net))
    which = "teacher" if method.teacher is not None else "online"
    log.line(f"{which} sha256 by rank: " + ", ".join(f"r{r}={d[:16]}" for r, d in enumerate(digests)))
    if len(set(digests)) != 1:
        raise TrainingError(f"the {which} weights differ between processes at the end of the run; "
                            "please report this with the run log")


def _autocast(device: torch.device, amp: str):
    if amp == "off":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if amp == "bf16" else torch.float16
    if device.type == "cpu" and amp == "fp16":
        raise ConfigError("amp fp16 needs a CUDA device; use --amp bf16 or --amp off on CPU")
    return torch.autocast(device_type=device.type, dtype=dtype)


def _resume_config(run_dir: Path, overrides: dict[str, Any]) -> TrainConfig:
    cfg_path = run_dir / CONFIG_NAME
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: no such run directory to resume; check the path")
    if not cfg_path.is_file():
        raise CheckpointError(f"{run_dir}: holds no {CONFIG_NAME}; it is not a skill-ssl run directory")
    cfg = TrainConfig.from_file(cfg_path)
    bad = sorted(k for k, v in overrides.items() if k not in RESUME_OVERRIDABLE and getattr(cfg, k) != v)
    if bad:
        raise ConfigError(f"cannot change {', '.join(bad)} when resuming {run_dir} (it would be a different run); "
                          f"only {', '.join(sorted(RESUME_OVERRIDABLE))} may change")
    cfg.stop_at_step = None  # an earlier --stop-at-step applied to that invocation only
    return cfg.update({k: v for k, v in overrides.items() if k in RESUME_OVERRIDABLE}, "command line")


def train(config: TrainConfig | dict[str, Any] | None = None, resume: str | Path | None = None,
          progress: bool | None = None) -> TrainResult:
    """Run (or, with ``resume=RUN_DIR``, continue) a training run; returns where its outputs are.

    ``config`` is a :class:`TrainConfig` or a mapping of its fields (with ``resume``, only the fields in
    :data:`RESUME_OVERRIDABLE` may differ from the run's saved config). Works the same under ``torchrun``.
    """
    info = D.env_info()
    if isinstance(config, dict):
        config = TrainConfig.from_dict(config)
    config = config or TrainConfig()
    if resume is not None:
        run_dir = Path(resume)
        given = {k: v for k, v in config.to_dict().items() if v != TrainConfig().to_dict().get(k)}
        config = _resume_config(run_dir, given)
    device = D.resolve_device(config.device, info)
    D.init(config.dist_backend, device, info)
    try:
        return _train(config, device, info, Path(resume) if resume is not None else None, progress)
    finally:
        D.shutdown()


def _train(cfg: TrainConfig, device: torch.device, info: D.DistInfo, resume_dir: Path | None,
           progress: bool | None) -> TrainResult:
    from skill_aug.console import progress as progress_bar
    from skill_aug.dataset import ProductDataset
    from skill_aug.space import AugmentationSpace
    from skill_aug.tasks import get_task
    from skill_ssl.methods import get_method
    from skill_ssl.models import build_backbone, feature_dim

    cfg = cfg.resolve(device.type)
    task = get_task(cfg.task)
    method_cls = get_method(cfg.method)

    # --- run directory (rank 0 decides) -------------------------------------------------------------
    ckpt_state = None
    if resume_dir is not None:
        run_dir = resume_dir
        ckpt_path = run_dir / CHECKPOINT_NAME
        if not ckpt_path.exists():
            raise CheckpointError(f"{run_dir}: has no {CHECKPOINT_NAME} yet (killed before the first checkpoint); "
                                  f"start it again with --out {run_dir} after removing the folder")
        ckpt_state = load_checkpoint(ckpt_path, map_location="cpu")
        if int(ckpt_state.get("world_size", 1)) != info.world_size:
            raise CheckpointError(f"{ckpt_path}: written by {ckpt_state.get('world_size')} process(es); resume with "
                                  f"the same number (now {info.world_size}) so the data order stays the same")
    else:
        run_dir = D.broadcast_object(_pick_run_dir(cfg) if info.is_main else None)
    cfg = cfg.update({"out": str(run_dir)})
    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        cfg.save(run_dir / CONFIG_NAME)
    D.barrier()
    log = RunLog(run_dir, info.is_main, cfg.tensorboard)

    # --- data ---------------------------------------------------------------------------------------
    source, read_skipped, source_desc = load_source(cfg)
    scfg = space_config(cfg, method_cls.multicrop)
    space = AugmentationSpace(task, scfg, device=device, seed=cfg.seed)
    cpu_space = space if device.type == "cpu" else AugmentationSpace(task, scfg, device="cpu", seed=cfg.seed)
    if cfg.data is None and cfg.workers == 0:
        source = CachedSequence(source)  # render each synthetic product once, not once per epoch
    # No GPU and workers: each worker augments its own batches (one thread each) while the main process runs
    # the step, instead of the main process doing both in turn; same seeds, same views.
    in_workers = device.type == "cpu" and cfg.workers > 0 and cfg.worker_views is not False
    dataset = ProductDataset(source, cpu_space)
    n = len(dataset)
    spe = steps_per_epoch(n, cfg.batch_size, info.world_size)
    if spe < 1:
        raise ConfigError(f"{n} products are fewer than one global batch ({cfg.batch_size} x {info.world_size} "
                          f"process(es)); lower --batch-size or add data")
    total = cfg.epochs * spe
    stop = min(total, cfg.stop_at_step) if cfg.stop_at_step else total

    # --- model, optimizer, schedules ------------------------------------------------------------
    torch.manual_seed(cfg.seed)
    overrides = cfg.timm_overrides()

    def make_backbone(drop_path: float) -> nn.Module:
        return build_backbone(cfg.arch, cfg.global_size, drop_path_rate=drop_path, **overrides)

    method = method_cls(cfg, make_backbone).to(device)
    embed_dim = feature_dim(method.online.backbone)
    model_meta = {"arch": cfg.arch, "image_size": cfg.global_size, "timm_overrides": overrides,
                  "mean": list(scfg.mean), "std": list(scfg.std), "embed_dim": embed_dim}
    optimizer = torch.optim.AdamW(_param_groups(method.online), lr=0.0, weight_decay=0.0)
    scaler = torch.amp.GradScaler(device.type, enabled=cfg.amp == "fp16")
    peak_lr = scaled_lr(cfg.lr, cfg.batch_size * info.world_size)
    sched: Schedules = build_schedules(
        epochs=cfg.epochs, steps_per_epoch=spe, lr=peak_lr, min_lr=cfg.min_lr, warmup_epochs=cfg.warmup_epochs,
        weight_decay=cfg.weight_decay, weight_decay_end=cfg.weight_decay_end, momentum_teacher=cfg.momentum_teacher,
        teacher_temp=cfg.teacher_temp, warmup_teacher_temp=cfg.warmup_teacher_temp,
        warmup_teacher_temp_epochs=cfg.warmup_teacher_temp_epochs)
    frozen = set(map(id, method.last_layer_parameters()))

    step, skipped_all = 0, list(read_skipped)
    if ckpt_state is not None:
        method.online.load_state_dict(ckpt_state["student"])
        if method.teacher is not None:
            method.teacher.load_state_dict(ckpt_state["teacher"])
        method.load_extra_state(ckpt_state.get("method") or {})
        optimizer.load_state_dict(ckpt_state["optimizer"])
        if ckpt_state.get("scaler"):
            scaler.load_state_dict(ckpt_state["scaler"])
        set_rng_state(ckpt_state["rng"])
        step = int(ckpt_state["step"])
        skipped_all = list(ckpt_state.get("skipped", skipped_all))
        if step >= total:
            log.line(f"resume: run already finished ({step}/{total} steps)", echo=info.is_main)
    online: nn.Module = method.online
    if info.enabled:
        from torch.nn.parallel import DistributedDataParallel as DDP

        online = DDP(method.online, device_ids=[device.index] if device.type == "cuda" else None)

    if info.is_main:
        verb = f"resuming at step {step}" if ckpt_state is not None else "starting"
        log.line(f"{verb}: task {cfg.task}, method {cfg.method} (augment {cfg.augment}), {cfg.arch} "
                 f"{overrides or ''} at {cfg.global_size}/{cfg.low_size} px, device {device}"
                 f"{f' x {info.world_size} processes' if info.enabled else ''}, amp {cfg.amp}")
        log.line(f"data: {source_desc}; {spe} steps/epoch x {cfg.epochs} epochs = {total} steps, "
                 f"batch {cfg.batch_size}/process, peak lr {peak_lr:.3g}")
        if method.teacher is not None:
            kept = teacher_init_weight(sched.momentum)
            log.line(f"teacher EMA: momentum {cfg.momentum_teacher} -> 1 over {total} steps; the teacher ends "
                     f"with {kept:.0%} of its random initial weights")
            if kept > TEACHER_INIT_WARN:
                log.line(f"warning: the teacher keeps {kept:.0%} of its random initialisation after {total} steps, "
                         "so it cannot learn; lower --momentum-teacher (e.g. 0.99) or train longer", echo=True)
        local = f"{len(space.regions)} local ({', '.join(space.regions)}) at {space.local_size}" if space.regions else "no local"
        log.line(f"views: {scfg.n_global} global at {scfg.global_size}, {scfg.n_low} low-res at {scfg.low_size}, "
                 f"{local} px; same-product pairs {'on' if scfg.same_product_pairs else 'off'}")
        for s in read_skipped if ckpt_state is None else []:
            log.line(f"skipped: {s}")
        print(f"skill-ssl: training {cfg.method} on {source_desc} -> {run_dir}", file=sys.stderr)
    if cfg.workers > 0 and cfg.data is not None and cpu_space.uses_head and step < stop:
        # Workers start again each epoch from this process: detect every head once here (in the workers),
        # or they would detect them all again every epoch.
        from skill_aug.dataset import warm_detection_cache

        t_warm = time.perf_counter()
        found = warm_detection_cache(dataset, cfg.workers, cfg.batch_size, progress=progress if info.is_main else False,
                                     desc="locating heads (once)")
        log.line(f"heads located once in {found} photo(s) with {cfg.workers} worker(s) in "
                 f"{time.perf_counter() - t_warm:.1f} s; every epoch reuses them")

    def save(step_done: int, epoch: int, batch_in_epoch: int, perm: torch.Tensor) -> None:
        if not info.is_main:
            return
        state = {
            "format": FORMAT, "version": VERSION, "config": cfg.to_dict(), "model": model_meta,
            "student": method.online.state_dict(),
            "teacher": method.teacher.state_dict() if method.teacher is not None else None,
            "embed_from": method.embed_from, "method": method.extra_state(),
            "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
            "step": step_done, "epoch": epoch, "world_size": info.world_size, "rng": rng_state(),
            "data": {"epoch": epoch, "batch_in_epoch": batch_in_epoch, "perm": perm, "n_products": n},
            "skipped": skipped_all, "time": time.time(),
        }
        save_checkpoint(state, run_dir / CHECKPOINT_NAME)

    # --- loop ---------------------------------------------------------------------------------------
    show = progress if progress is not None else None
    bar = progress_bar(total=max(stop - step, 0), desc=f"{cfg.method} from step {step}" if step else cfg.method,
                       unit="step", disable=(not info.is_main) or (None if show is None else not show))
    last_loss, rate, last_good = float("nan"), 0.0, step if ckpt_state is not None else None
    method.online.train()
    if method.teacher is not None:
        method.teacher.train()
    autocast = _autocast(device, cfg.amp)
    try:
        while step < stop:
            epoch, start_batch = divmod(step, spe)
            perm = epoch_permutation(n, cfg.seed, epoch)
            if ckpt_state is not None and int(ckpt_state["data"]["epoch"]) == epoch:
                saved = ckpt_state["data"]["perm"]
                if not torch.equal(saved, perm):
                    raise CheckpointError(f"{run_dir}: the data order differs from the checkpoint's "
                                          "(the data set changed); resume with the same data")
            sampler = EpochBatchSampler(perm, cfg.batch_size, info.rank, info.world_size, start_batch,
                                        first_step=epoch * spe if in_workers else None)
            loader = make_loader(StepTagged(dataset) if in_workers else dataset, sampler, cfg.workers, cfg.seed, epoch,
                                 collate=WorkerAugment(cpu_space, cfg.seed, info.rank) if in_workers else None)
            epoch_losses: list[float] = []
            epoch_skipped: list[str] = []
            view_stats: dict[str, int] = {}
            t_epoch, t0 = time.perf_counter(), time.perf_counter()
            for k, batch in enumerate(loader, start=start_batch):
                if batch.skipped:
                    for s in batch.skipped:
                        log.line(f"skipped: {s}")
                    skipped_all.extend(batch.skipped)
                    epoch_skipped.extend(batch.skipped)
                if not len(batch):
                    raise TrainingError(f"every image of a batch at step {step} was unreadable; check the data "
                                        f"(see {log.log_path})")
                torch.manual_seed(step_seed(cfg.seed, step, info.rank))
                if in_workers:  # made in the worker, with this step's generator seed
                    assert batch.step == step, (batch.step, step)
                    views = batch.views
                else:
                    gen = torch.Generator(device=device).manual_seed(step_seed(cfg.seed, step, info.rank, 1))
                    views = space(batch.products, generator=gen)
                for key, v in views.stats.items():
                    view_stats[key] = view_stats.get(key, 0) + int(v)
                values = sched.at(step)
                for group in optimizer.param_groups:
                    group["lr"] = values["lr"]
                    if not group.get("no_decay"):
                        group["weight_decay"] = values["wd"]
                with autocast:
                    loss, extra = method.loss(online, views, values)
                loss_value = float(loss.detach())
                if not D.all_true(math.isfinite(loss_value), device):
                    where = (f"the last good checkpoint is {run_dir / CHECKPOINT_NAME} (step {last_good})"
                             if last_good is not None else "no checkpoint was written yet")
                    log.line(f"stopped: non-finite loss ({loss_value}) at step {step}")
                    raise TrainingError(f"loss became {loss_value} at step {step} (epoch {epoch}); training stopped "
                                        f"and {where}; lower --lr, raise --warmup-epochs or use --amp off")
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                if epoch < cfg.freeze_last_layer:
                    for p in method.last_layer_parameters():
                        p.grad = None
                scaler.unscale_(optimizer)
                grads = [p for p in method.online.parameters() if p.grad is not None]
                grad_norm = float(torch.nn.utils.clip_grad_norm_(grads, cfg.clip_grad if cfg.clip_grad > 0 else math.inf))
                if not math.isfinite(grad_norm) and not scaler.is_enabled():  # fp16: the scaler skips the step
                    where = (f"the last good checkpoint is {run_dir / CHECKPOINT_NAME} (step {last_good})"
                             if last_good is not None else "no checkpoint was written yet")
                    log.line(f"stopped: non-finite gradient norm ({grad_norm}) at step {step}")
                    raise TrainingError(f"the gradient became {grad_norm} at step {step} (epoch {epoch}); training "
                                        f"stopped before the update and {where}; lower --lr or --clip-grad")
                scaler.step(optimizer)
                scaler.update()
                method.ema_update(values["momentum"])
                step += 1
                now = time.perf_counter()
                rate = len(batch) * info.world_size / max(now - t0, 1e-9)
                t0 = now
                last_loss = loss_value
                epoch_losses.append(loss_value)
                if info.is_main and (step % cfg.log_every == 0 or step == stop):
                    log.metrics({"type": "step", "step": step, "epoch": epoch, "loss": loss_value,
                                 "lr": values["lr"], "wd": values["wd"], "momentum": values["momentum"],
                                 "teacher_temp": values["teacher_temp"], "grad_norm": grad_norm, "img_per_s": rate,
                                 "skipped": len(skipped_all), **extra})
                bar.update(1)
                bar.set_postfix(loss=f"{loss_value:.4f}", lr=f"{values['lr']:.2e}", img_s=f"{rate:.1f}")
                end_of_epoch = k + 1 == spe
                if end_of_epoch or step == stop or (cfg.ckpt_every and step % cfg.ckpt_every == 0):
                    save(step, epoch, k + 1, perm)
                    last_good = step
                if step >= stop:
                    break
            if info.enabled:  # unreadable images met by the other processes go to rank 0's log too
                others = [s for r, lst in enumerate(D.gather_objects(epoch_skipped)) if r != info.rank for s in lst]
                for s in others if info.is_main else []:
                    log.line(f"skipped: {s}")
                skipped_all.extend(others)
            if info.is_main and epoch_losses and step % spe == 0:
                dt = time.perf_counter() - t_epoch
                ips = len(epoch_losses) * cfg.batch_size * info.world_size / max(dt, 1e-9)
                log.metrics({"type": "epoch", "epoch": epoch, "step": step, "loss": sum(epoch_losses) / len(epoch_losses),
                             "img_per_s": ips, "seconds": dt, "skipped": len(skipped_all),
                             **{f"views_{k}": v for k, v in view_stats.items()}})
                log.line(f"epoch {epoch + 1}/{cfg.epochs}: loss {sum(epoch_losses) / len(epoch_losses):.4f}, "
                         f"{ips:.1f} img/s, {len(skipped_all)} image(s) skipped so far")
            ckpt_state = None
    finally:
        bar.close()
    if info.enabled:
        _check_ranks_agree(method, log)
    D.barrier()
    finished = step >= total
    if info.is_main:
        state = "finished" if finished else f"stopped at step {step}/{total} (continue with --resume {run_dir})"
        log.line(f"{state}; checkpoint {run_dir / CHECKPOINT_NAME}")
        if skipped_all:
            print(f"skill-ssl: {len(skipped_all)} unreadable image(s) skipped; listed in {log.log_path}", file=sys.stderr)
        print(f"run {state}\ncheckpoint: {run_dir / CHECKPOINT_NAME}\nlog: {log.log_path}\nmetrics: {log.metrics_path}\n"
              f"export: skill-ssl export {run_dir} --out backbone.safetensors")
    log.close()
    return TrainResult(run_dir, run_dir / CHECKPOINT_NAME, log.metrics_path, log.log_path, step, total,
                       last_loss, rate, finished)
