"""Augmentation throughput: SkiLL's batched device pipeline vs the DINO reference pipeline and albumentations.

Every contender produces, per product, 2 views at 224 px and 8 views at 96 px from real JPEGs of
../shared/data/clothing-small, decoding included (SkiLL adds its task-local views on top):

* floor      JPEG decode only, same files, same workers (no pipeline can beat it on the CPU)
* baseline A the DINO reference style: one PIL image at a time through torchvision transforms in DataLoader workers
* baseline B albumentations, one numpy image at a time in DataLoader workers
* ours       decode + region location in workers, then one batched AugmentationSpace call per batch on the device
             (in the main process; rows for 1 and 2 intra-op threads)
* ours, in workers (CPU): decode, region location *and* the batched space call per batch inside each worker
             (AugmentCollate, one thread per worker); the main process only receives the views

Usage:  python benchmarks/augment_throughput.py [--images 256] [--workers 1 2] [--device cpu|cuda] [--batch 32]
Prints one table: products/s per contender and worker count, and ours as a ratio to A and B.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import Timer, clothing_paths, machine, print_table  # noqa: E402

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class DecodeOnly(Dataset):
    def __init__(self, paths):
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with Image.open(self.paths[i]) as im:
            return torch.from_numpy(np.array(im.convert("RGB"))).sum(dtype=torch.int64)  # touch the pixels


class DinoReference(Dataset):
    """The DINO reference augmentation (two global crops with blur 1.0 / 0.1 + solarize, 8 local crops)."""

    def __init__(self, paths, n_low=8):
        from torchvision import transforms as T

        self.paths = paths
        flip_color = T.Compose([
            T.RandomHorizontalFlip(p=0.5),
            T.RandomApply([T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1)], p=0.8),
            T.RandomGrayscale(p=0.2),
        ])
        norm = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
        bicubic = T.InterpolationMode.BICUBIC
        self.g1 = T.Compose([T.RandomResizedCrop(224, scale=(0.4, 1.0), interpolation=bicubic), flip_color,
                             T.GaussianBlur(23, (0.1, 2.0)), norm])
        self.g2 = T.Compose([T.RandomResizedCrop(224, scale=(0.4, 1.0), interpolation=bicubic), flip_color,
                             T.RandomApply([T.GaussianBlur(23, (0.1, 2.0))], p=0.1), T.RandomSolarize(128, p=0.2), norm])
        self.low = T.Compose([T.RandomResizedCrop(96, scale=(0.05, 0.4), interpolation=bicubic), flip_color,
                              T.RandomApply([T.GaussianBlur(23, (0.1, 2.0))], p=0.5), norm])
        self.n_low = n_low

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with Image.open(self.paths[i]) as im:
            img = im.convert("RGB")
        return [self.g1(img), self.g2(img)] + [self.low(img) for _ in range(self.n_low)]


class Albumentations(Dataset):
    """The same views with albumentations, one sample at a time (SkiLL probabilities: gray 0.5, jitter 0.8, blur 0.5)."""

    def __init__(self, paths, n_low=8):
        import albumentations as A

        self.paths = paths

        def pipe(size, scale):
            return A.Compose([
                A.RandomResizedCrop(size=(size, size), scale=scale),
                A.HorizontalFlip(p=0.5),
                A.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1, p=0.8),
                A.ToGray(p=0.5),
                A.GaussianBlur(sigma_limit=(0.1, 2.0), p=0.5),
                A.Normalize(mean=MEAN, std=STD),
            ])

        self.high, self.low, self.n_low = pipe(224, (0.4, 1.0)), pipe(96, (0.05, 0.4)), n_low

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with Image.open(self.paths[i]) as im:
            img = np.asarray(im.convert("RGB"))
        views = [self.high(image=img)["image"] for _ in range(2)] + [self.low(image=img)["image"] for _ in range(self.n_low)]
        return [torch.from_numpy(v).permute(2, 0, 1) for v in views]


def run_loader(dataset, workers, batch, collate=None, consume=None, worker_init_fn=None) -> float:
    loader = DataLoader(dataset, batch_size=batch, num_workers=workers, collate_fn=collate,
                        worker_init_fn=worker_init_fn, persistent_workers=False,
                        prefetch_factor=4 if workers else None)
    with Timer() as t:
        for out in loader:
            if consume is not None:
                consume(out)
    return len(dataset) / t.seconds


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--task", default="shirt")
    ap.add_argument("--skip", nargs="*", default=[],
                    help="contenders to skip: floor A B ours (main process) workers (ours in workers)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, torch.get_num_threads()],
                    help="torch intra-op threads of the main process for ours (one row each)")
    args = ap.parse_args(argv)

    from skill_aug.dataset import AugmentCollate, ProductDataset, collate_products, worker_init_fn
    from skill_aug.io import Record
    from skill_aug.space import AugmentationSpace

    paths = clothing_paths("train", args.images)
    print(f"machine: {machine()}; {len(paths)} real JPEGs; batch {args.batch}; ours on {args.device}", flush=True)
    space = AugmentationSpace.from_task(args.task, device=args.device, seed=0, use_head=False)
    records = [Record(image=p, product_id=str(p)) for p in paths]
    in_workers = args.device == "cpu" and "workers" not in args.skip
    variants = [f"main/{t}" for t in dict.fromkeys(args.threads)] if "ours" not in args.skip else []
    variants += ["workers"] if in_workers else []
    rows = []
    for w in args.workers:
        res = {}
        if "floor" not in args.skip:
            res["floor"] = run_loader(DecodeOnly(paths), w, args.batch)
        if "A" not in args.skip:
            res["A"] = run_loader(DinoReference(paths), w, args.batch)
        if "B" not in args.skip:
            res["B"] = run_loader(Albumentations(paths), w, args.batch)
        default_threads = torch.get_num_threads()
        for v in variants:
            if v == "workers":
                # decode, prepare and augment inside each worker (one thread each); the main process receives views
                torch.set_num_threads(default_threads)
                cpu_space = AugmentationSpace.from_task(args.task, device="cpu", seed=0, use_head=False)
                kw = dict(collate=AugmentCollate(cpu_space), worker_init_fn=worker_init_fn)
                run_loader(ProductDataset(records[: args.batch * 2], cpu_space), w, args.batch, **kw)  # warm-up
                res[v] = run_loader(ProductDataset(records, cpu_space), w, args.batch, **kw)
                continue
            threads = int(v.split("/")[1])
            torch.set_num_threads(threads)

            def consume(batch):
                views = space(batch.products)
                if args.device == "cuda":
                    torch.cuda.synchronize()
                return views

            kw = dict(collate=collate_products, consume=consume)
            run_loader(ProductDataset(records[: args.batch * 2], space), w, args.batch, **kw)  # warm-up
            res[v] = run_loader(ProductDataset(records, space), w, args.batch, **kw)
        torch.set_num_threads(default_threads)
        fmt = lambda k: f"{res[k]:.1f}" if k in res else "-"  # noqa: E731
        ratio = lambda a, b: f"{res[a] / res[b]:.1f}x" if a in res and b in res else "-"  # noqa: E731
        best = max(variants, key=lambda k: res.get(k, 0)) if variants else "-"
        rows.append([w, fmt("floor"), fmt("A"), fmt("B"), *[fmt(v) for v in variants],
                     ratio(best, "A"), ratio(best, "B"), LABELS.get(best.split("/")[0], best) + (
                         f" {best.split('/')[1]} thr." if "/" in best else "")])
    heads = [f"ours, main process, {v.split('/')[1]} thr." if v.startswith("main/") else "ours, in workers"
             for v in variants]
    print_table(["workers", "decode only (floor)", "A: DINO ref. (torchvision)", "B: albumentations", *heads,
                 "best ours / A", "best ours / B", "best ours"], rows,
                title=f"products/s on {args.device} (2x224 + 8x96 views per product; ours adds the '{args.task}' "
                      f"local views)")


LABELS = {"main": "main process", "workers": "in workers"}


if __name__ == "__main__":
    main()
