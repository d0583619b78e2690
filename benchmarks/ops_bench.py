"""Time skill-aug's batched kernels against Kornia's equivalents (median of repeats).

    python benchmarks/ops_bench.py [--batch 32] [--size 224] [--device cpu] [--repeats 7]

Prints one table: colour jitter + grayscale (our single 3x3-matrix pass vs Kornia's ColorJitter +
RandomGrayscale), Gaussian blur (Kornia's gaussian_blur2d with the kernel sized to the largest sigma drawn vs
DINO-style fixed 23 taps), crop+resize from uint8 vs float, and the
whole space on one batch.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


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
    args = ap.parse_args()
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

    def ours_color():
        x = x8.float()
        mean = x.mean(dim=(2, 3)) / 255
        m, off = ops.color_affine(mean, jitter=p["jitter"], brightness=p["brightness"], contrast=p["contrast"],
                                  saturation=p["saturation"], hue=p["hue"], gray=p["gray"])
        return ops.apply_color(x, m, off, 1 / 255)

    kornia_color = torch.nn.Sequential(K.ColorJitter(0.4, 0.4, 0.2, 0.1, p=0.8), K.RandomGrayscale(p=0.5)).to(dev)
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

    rows = [
        ("color: ours (matrix, from uint8)", lambda: ours_color()),
        ("color: kornia ColorJitter+Grayscale", lambda: kornia_color(xf)),
        (f"blur: kornia gaussian_blur2d ({k} taps)", lambda: KF.gaussian_blur2d(xf, (k, k), sig2)),
        ("blur: kornia gaussian_blur2d (23 taps)", lambda: KF.gaussian_blur2d(xf, (23, 23), sig2)),
        ("crop+resize: ours (uint8 on cpu)", lambda: ops.crop_resize([src] * b, boxes, s)),
        ("crop+resize: float", crop_float),
        (f"space: 2x{space.config.global_size} + {space.config.n_low}x{space.config.low_size}, B={b}",
         lambda: space(prepared)),
    ]
    print(f"device={dev} batch={b} size={s} threads={torch.get_num_threads()} (median of {args.repeats})")
    for name, fn in rows:
        print(f"{name:45s} {timeit(fn, args.repeats, dev):8.1f} ms")


if __name__ == "__main__":
    main()
