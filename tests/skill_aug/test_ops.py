"""The pure batched kernels: crop/resize, flip, colour matrix, blur, solarize, normalise."""

from __future__ import annotations

import pytest
import torch

from skill_aug import ops
from skill_aug.ops.color import GRAY_WEIGHTS


@pytest.fixture(scope="module")
def photo() -> torch.Tensor:
    from skimage.data import astronaut

    return torch.from_numpy(astronaut()).permute(2, 0, 1).contiguous()


def affine(mean, b=1, **kw):
    args = dict(jitter=torch.ones(b, dtype=torch.bool), brightness=torch.ones(b), contrast=torch.ones(b),
                saturation=torch.ones(b), hue=torch.zeros(b),
                gray=torch.zeros(b, dtype=torch.bool))
    args.update(kw)
    return ops.color_affine(mean, **args)


def test_crop_resize_crops_the_box_and_resizes(photo):
    boxes = [(0.0, 0.0, 512.0, 512.0), (100.0, 50.0, 164.0, 114.0), (10.2, 20.7, 300.0, 41.0)]
    out = ops.crop_resize([photo, photo, photo], boxes, 64)
    assert out.shape == (3, 3, 64, 64) and out.dtype == torch.uint8
    # a 64 px box at 64 px output is copied exactly
    assert torch.equal(out[1], photo[:, 50:114, 100:164])
    # the whole image downscaled agrees with float antialiased bilinear (up to uint8 rounding)
    ref = torch.nn.functional.interpolate(photo[None].float(), size=(64, 64), mode="bilinear", antialias=True)[0]
    assert (out[0].float() - ref).abs().max() <= 1.5


def test_float_resize_path_used_off_cpu_agrees_with_the_uint8_path(photo):
    boxes = [(0.0, 0.0, 512.0, 512.0), (33.0, 80.0, 250.0, 200.0)]
    fast = ops.crop_resize([photo, photo], boxes, 48)
    slow = ops.crop_resize([photo, photo], boxes, 48, uint8_resize=False)
    assert slow.dtype == torch.uint8 and (fast.int() - slow.int()).abs().max() <= 1
    as_float = ops.crop_resize([photo.float(), photo.float()], boxes, 48)
    assert as_float.dtype == torch.float32 and (as_float - slow.float()).abs().max() <= 0.5 + 1e-3


def test_flip_only_the_selected_samples(photo):
    x = torch.stack([photo[:, :32, :32], photo[:, :32, :32]])
    y = ops.flip(x, torch.tensor([True, False]))
    assert torch.equal(y[0], x[0].flip(-1)) and torch.equal(y[1], x[1])


def test_identity_colour_chain_leaves_pixels_unchanged(photo):
    x = photo[None, :, :64, :64].float()
    m, b = affine(x.mean((2, 3)) / 255, jitter=torch.zeros(1, dtype=torch.bool))
    assert torch.allclose(m, torch.eye(3)[None]) and torch.all(b == 0)
    assert torch.allclose(ops.apply_color(x, m, b, 1 / 255), x / 255, atol=1e-6)


def test_grayscale_gives_equal_channels_with_luma_weights(photo):
    x = photo[None, :, :64, :64].float()
    m, b = affine(x.mean((2, 3)) / 255, jitter=torch.tensor([True]), brightness=torch.tensor([1.2]),
                  hue=torch.tensor([0.07]), gray=torch.tensor([True]))
    y = ops.apply_color(x, m, b, 1 / 255)
    assert torch.equal(y[:, 0], y[:, 1]) and torch.equal(y[:, 1], y[:, 2])
    m, b = affine(x.mean((2, 3)) / 255, jitter=torch.tensor([False]), gray=torch.tensor([True]))
    y = ops.apply_color(x, m, b, 1 / 255)
    w = torch.tensor(GRAY_WEIGHTS).view(1, 3, 1, 1)
    assert torch.allclose(y[:, 0], (x / 255 * w).sum(1), atol=1e-5)


def test_brightness_contrast_saturation_match_torchvision_where_nothing_clamps(photo):
    tvf = pytest.importorskip("torchvision.transforms.v2.functional")
    x = (photo[:, 100:164, 200:264].float() / 255) * 0.5 + 0.25  # mid-range: no clamping in the chain
    mean = x.mean((1, 2))[None]
    for kind, f in (("brightness", 1.3), ("contrast", 0.6), ("saturation", 1.2)):
        m, b = affine(mean, **{kind: torch.tensor([f])})
        ours = ops.apply_color(x[None], m, b)[0]
        ref = getattr(tvf, f"adjust_{kind}")(x, f)
        assert (ours - ref).abs().max() < 2e-3, kind


def test_hue_rotation_keeps_luma_and_follows_torchvision_direction(photo):
    tvf = pytest.importorskip("torchvision.transforms.v2.functional")
    x = photo[:, 300:364, 80:144].float() / 255  # the orange suit
    m, b = affine(x.mean((1, 2))[None], hue=torch.tensor([0.05]))
    ours = ops.apply_color(x[None], m, b)[0]
    w = torch.tensor(GRAY_WEIGHTS).view(3, 1, 1)
    unclamped = ((ours > 0.001) & (ours < 0.999)).all(0)
    assert ((ours * w).sum(0) - (x * w).sum(0))[unclamped].abs().max() < 2e-3
    # a linear YIQ approximation of the HSV rotation: it turns the same way as torchvision's
    plus, minus = tvf.adjust_hue(x, 0.05), tvf.adjust_hue(x, -0.05)
    assert (ours - plus).abs().mean() < 0.8 * (ours - minus).abs().mean()
    assert ours[1].mean() > x[1].mean() and minus[1].mean() < x[1].mean()  # orange turns towards yellow


def test_jitter_ops_commute_so_one_matrix_matches_any_torchvision_order(photo):
    tvf = pytest.importorskip("torchvision.transforms.v2.functional")
    x = (photo[:, 100:164, 200:264].float() / 255) * 0.5 + 0.25
    m, b = affine(x.mean((1, 2))[None], brightness=torch.tensor([1.1]), contrast=torch.tensor([0.8]),
                  saturation=torch.tensor([1.2]))
    ours = ops.apply_color(x[None], m, b)[0]
    bcs = tvf.adjust_saturation(tvf.adjust_contrast(tvf.adjust_brightness(x, 1.1), 0.8), 1.2)
    scb = tvf.adjust_brightness(tvf.adjust_contrast(tvf.adjust_saturation(x, 1.2), 0.8), 1.1)
    assert (ours - bcs).abs().max() < 3e-3 and (ours - scb).abs().max() < 3e-3


def test_blur_per_sample_sigma_and_kernel_size(photo):
    assert ops.kernel_size_for(2.0, 224) == 13 and ops.kernel_size_for(0.1, 224) == 3
    assert ops.kernel_size_for(10.0, 8) == 15
    x = photo[None, :, :96, :96].float().div(255).expand(3, -1, -1, -1).contiguous()
    y = ops.gaussian_blur(x, torch.tensor([0.1, 1.0, 2.0]), ops.kernel_size_for(2.0, 96))
    assert y.shape == x.shape
    assert torch.allclose(y[0], x[0], atol=1e-4)  # sigma 0.1 leaves the image as it is
    err = [(y[i] - x[i]).abs().mean().item() for i in range(3)]
    assert err[0] < err[1] < err[2]
    flat = torch.full((2, 3, 16, 16), 0.3)
    assert torch.allclose(ops.gaussian_blur(flat, torch.tensor([1.0, 2.0]), 13), flat, atol=1e-6)


def test_solarize_and_normalize_roundtrip():
    x = torch.rand(4, 3, 8, 8)
    s = ops.solarize(x, torch.tensor([True, False, True, False]))
    assert torch.equal(s[1], x[1]) and torch.allclose(s[0], torch.where(x[0] >= 0.5, 1 - x[0], x[0]))
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    n = ops.normalize(x, mean, std)
    assert torch.allclose(n[:, 0], (x[:, 0] - 0.485) / 0.229)
    assert torch.allclose(ops.denormalize(n, mean, std), x, atol=1e-6)
