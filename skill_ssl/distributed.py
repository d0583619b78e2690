"""torch.distributed plumbing: set-up from ``torchrun``'s environment, rank helpers, collectives.

A single process needs no launcher: without ``WORLD_SIZE`` in the environment (or with ``WORLD_SIZE=1``)
every helper here is a no-op. Under ``torchrun`` the process group is initialised with NCCL on CUDA and
gloo on CPU (``--dist-backend`` overrides), and each process uses ``cuda:LOCAL_RANK``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

from skill_aug.errors import ConfigError


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def env_info() -> DistInfo:
    """Rank, world size and local rank from torchrun's environment variables (defaults: one process)."""
    def get(name: str, default: int) -> int:
        try:
            return int(os.environ.get(name, default))
        except ValueError:
            raise ConfigError(f"environment variable {name}={os.environ[name]!r} must be an integer") from None

    return DistInfo(get("RANK", 0), get("WORLD_SIZE", 1), get("LOCAL_RANK", 0))


def resolve_device(device: str, info: DistInfo) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; under torchrun each process takes ``cuda:LOCAL_RANK``."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise ConfigError(f"device {device!r} is not a device name; use cpu, cuda or cuda:N") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device {device!r} requested but CUDA is not available; use --device cpu")
        if dev.index is None:
            dev = torch.device("cuda", info.local_rank if info.enabled else torch.cuda.current_device())
        if dev.index >= torch.cuda.device_count():
            raise ConfigError(f"device {dev} does not exist ({torch.cuda.device_count()} CUDA device(s))")
        torch.cuda.set_device(dev)
    elif dev.type not in ("cpu", "mps"):
        raise ConfigError(f"device {device!r} is not supported; use cpu or cuda")
    return dev


def init(backend: str, device: torch.device, info: DistInfo) -> None:
    """Initialise the default process group when running under torchrun with more than one process."""
    if not info.enabled or (dist.is_available() and dist.is_initialized()):
        return
    if not dist.is_available():
        raise ConfigError("this PyTorch build has no torch.distributed; run a single process")
    if backend == "auto":
        backend = "nccl" if device.type == "cuda" else "gloo"
    if backend not in ("nccl", "gloo", "mpi"):
        raise ConfigError(f"dist_backend {backend!r} must be auto, nccl, gloo or mpi")
    kwargs: dict[str, Any] = {"backend": backend, "timeout": timedelta(minutes=30)}
    if backend == "nccl":
        kwargs["device_id"] = device
    dist.init_process_group(**kwargs)


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def is_initialized() -> bool:
    return dist.is_available() and dist.is_initialized()


def barrier() -> None:
    if is_initialized():
        dist.barrier()


def broadcast_object(obj: Any, src: int = 0) -> Any:
    """``obj`` from rank ``src`` on every rank."""
    if not is_initialized():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def gather_objects(obj: Any) -> list[Any]:
    """Every rank's ``obj`` as a list (on every rank)."""
    if not is_initialized():
        return [obj]
    out: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def all_reduce_mean(t: torch.Tensor) -> torch.Tensor:
    """Mean of ``t`` over all processes (a copy)."""
    t = t.detach().clone()
    if is_initialized():
        dist.all_reduce(t)
        t /= dist.get_world_size()
    return t


def all_true(flag: bool, device: torch.device) -> bool:
    """Whether ``flag`` holds on every process (for a collective decision such as stopping)."""
    if not is_initialized():
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=device if dist.get_backend() == "nccl" else "cpu")
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item() > 0.5)
