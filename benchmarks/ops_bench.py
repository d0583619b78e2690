"""Time skill-aug's batched kernels against Kornia's equivalents (median of repeats).

    python benchmarks/ops_bench.py [--batch 32] [--size 224] [--device cpu] [--repeats 7]

Prints one table, each of our kernels next to its baseline with the ratio:

* colour jitter + grayscale + normalise: our single 3x3-matrix pass from uint8 (normalisation folded in,
  chunked) vs Kornia's ColorJitter + RandomGrayscale + Normalize on float;
* Gaussian blur (sigma in [0.1, 2] per sample): ours, each sample's kernel sized to its own sigma (CPU:
  chunked shift-and-add) vs Kornia's gaussian_blur2d with the kernel of the largest sigma drawn, and vs the
  DINO reference's fixed 23 taps;
* crop + resize: from uint8 vs in float;
* the whole space on one batch (no baseline: for scale).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table  # noqa: E402


def timeit(fn, repeats: int, device: torch.device) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch intra-op threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import kornia.augmentation as K
    import kornia.filters as KF
    import torch.nn.functional as F

    from skill_aug import ops
    from skill_aug.sampling import color_blur

    dev = torch.device(args.device)
    g = torch.Generator(device=dev).manual_seed(0)
    b, s = args.batch, args.size
    x8 = torch.randint(0, 256, (b, 3, s, s), dtype=torch.uint8, device=dev, generator=g)
    xf = x8.float() / 255
    p = color_blur(b, jitter_p=0.8, brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1, gray_p=0.5, blur_p=1.0,
                   blur_sigma=(0.1, 2.0), solarize_p=0.0, flip_p=0.5, generator=g, device=dev)

    mean_rgb, std_rgb = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

    def ours_color():
        mean = ops.channel_means(x8) / 255
        m, off = ops.color_affine(mean, jitter=p["jitter"], brightness=p["brightness"], contrast=p["contrast"],
                                  saturation=p["saturation"], hue=p["hue"], gray=p["gray"])
        return ops.apply_color(x8, m, off, 1 / 255, mean=mean_rgb, std=std_rgb)

    kornia_color = torch.nn.Sequential(K.ColorJitter(0.4, 0.4, 0.2, 0.1, p=0.8), K.RandomGrayscale(p=0.5),
                                       K.Normalize(torch.tensor(mean_rgb), torch.tensor(std_rgb))).to(dev)
    k = ops.kernel_size_for(float(p["sigma"].max()), s)
    sig2 = p["sigma"].view(-1, 1).expand(b, 2).contiguous()
    src = torch.randint(0, 256, (3, 512, 512), dtype=torch.uint8, device=dev, generator=g)
    boxes = [(10.0 + i, 20.0, 300.0 + i, 330.0) for i in range(b)]

    def crop_float():
        out = torch.empty(b, 3, s, s, device=dev)
        for i, bx in enumerate(boxes):
            c = src[:, int(bx[1]):int(bx[3]), int(bx[0]):int(bx[2])].unsqueeze(0).float()
            out[i] = F.interpolate(c, size=(s, s), mode="bilinear", antialias=True, align_corners=False)[0]
        return out

    from skill_aug.space import AugmentationSpace

    space = AugmentationSpace(None, device=dev, seed=0)
    photos = [torch.randint(0, 256, (3, 384, 256), dtype=torch.uint8, generator=torch.Generator().manual_seed(i))
              for i in range(b)]
    prepared = [space.prepare(ph) for ph in photos]

    pairs = [
        ("colour+gray+normalise", ("ours: one matrix pass from uint8", ours_color),
         ("kornia ColorJitter+Grayscale+Normalize", lambda: kornia_color(x8.float() / 255))),
        ("blur, sigma 0.1-2", ("ours: per-sample kernels", lambda: ops.gaussian_blur(xf, p["sigma"])),
         (f"kornia gaussian_blur2d, {k} taps (max sigma)", lambda: KF.gaussian_blur2d(xf, (k, k), sig2))),
        ("blur, sigma 0.1-2", ("ours: per-sample kernels", lambda: ops.gaussian_blur(xf, p["sigma"])),
         ("kornia gaussian_blur2d, 23 taps (DINO)", lambda: KF.gaussian_blur2d(xf, (23, 23), sig2))),
        ("crop+resize", ("ours: uint8 (cpu)", lambda: ops.crop_resize([src] * b, boxes, s)),
         ("float", crop_float)),
        (f"space: 2x{space.config.global_size} + {space.config.n_low}x{space.config.low_size}, B={b}",
         ("ours", lambda: space(prepared)), None),
    ]
    print(f"device={dev} batch={b} size={s} threads={torch.get_num_threads()} (median of {args.repeats})")
    rows = []
    for what, (ours_name, ours_fn), base in pairs:
        t_ours = timeit(ours_fn, args.repeats, dev)
        t_base = timeit(base[1], args.repeats, dev) if base else None
        rows.append([what, ours_name, f"{t_ours:.1f}", base[0] if base else "-",
                     f"{t_base:.1f}" if base else "-", f"{t_base / t_ours:.1f}x" if base else "-"])
    print_table(["kernel", "ours", "ours ms", "baseline", "baseline ms", "baseline / ours"], rows)


if __name__ == "__main__":
    main()
