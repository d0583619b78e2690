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


def test_blur_kernel_follows_each_samples_own_sigma(photo):
    """Per-sample kernel sizes: a sample's blur does not depend on the rest of the batch, and matches
    Kornia's separable Gaussian at that sample's own kernel size."""
    from kornia.filters import gaussian_blur2d

    x = photo[None, :, 100:196, 150:246].float().div(255).repeat(4, 1, 1, 1)
    sigma = torch.tensor([0.2, 0.7, 1.3, 2.0])
    sizes = ops.kernel_sizes(sigma, 96).tolist()
    assert sizes == [ops.kernel_size_for(s, 96) for s in sigma.tolist()] == [3, 7, 9, 13]
    batch = ops.gaussian_blur(x, sigma)
    for i, k in enumerate(sizes):
        alone = ops.gaussian_blur(x[i:i + 1], sigma[i:i + 1])
        assert torch.equal(batch[i], alone[0])
        ref = gaussian_blur2d(x[i:i + 1], (k, k), sigma[i:i + 1].view(1, 1).expand(1, 2), border_type="reflect")
        assert (batch[i] - ref[0]).abs().max() < 1e-5


def test_blur_sizes_select_samples_in_place_and_clamp(photo):
    x = photo[None, :, :64, :64].float().div(255).repeat(3, 1, 1, 1).contiguous()
    orig = x.clone()
    sigma = torch.tensor([1.5, 1.5, 1.5])
    out = ops.gaussian_blur(x, sigma, sizes=[0, 11, 1], inplace=True, bounds=([0.0] * 3, [1.0] * 3))
    assert out is x
    assert torch.equal(x[0], orig[0]) and torch.equal(x[2], orig[2])  # size <= 1: left as it is
    assert not torch.equal(x[1], orig[1]) and 0 <= x[1].min() and x[1].max() <= 1
    assert torch.allclose(x[1], ops.gaussian_blur(orig[1:2], sigma[1:2], 11)[0])


def test_blur_cpu_and_accelerator_kernels_agree():
    """The CPU shift-and-add and the grouped convolution used on accelerators compute the same blur."""
    from skill_aug.ops.blur import _blur_group_cpu, _blur_group_kornia

    x = torch.rand(5, 3, 40, 56, generator=torch.Generator().manual_seed(0))
    sigma = torch.linspace(0.3, 2.0, 5)
    cpu = _blur_group_cpu(x.clone(), sigma, 13)
    conv = _blur_group_kornia(x, sigma, 13)
    assert (cpu - conv).abs().max() < 1e-5


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 1])
def test_apply_color_folds_normalisation_and_reads_uint8(photo, monkeypatch, chunk_bytes):
    """uint8 or float input, with or without folded normalisation, in chunks of one sample or many:
    the same result as colour, clamp, then normalise."""
    import skill_aug.ops.color as color

    monkeypatch.setattr(color, "CHUNK_BYTES", chunk_bytes)
    x = torch.stack([photo[:, :48, :48], photo[:, 200:248, 200:248], photo[:, 300:348, 100:148]])
    mean = ops.channel_means(x) / 255
    assert torch.allclose(mean, x.float().mean(dim=(2, 3)) / 255)
    m, b = affine(mean, 3, brightness=torch.tensor([1.4, 0.7, 1.0]), contrast=torch.tensor([1.3, 1.0, 0.6]),
                  saturation=torch.tensor([0.8, 1.2, 1.0]), hue=torch.tensor([0.05, -0.1, 0.0]))
    plain = ops.apply_color(x.float(), m, b, 1 / 255)
    assert torch.equal(ops.apply_color(x, m, b, 1 / 255), plain)
    assert plain.min() >= 0 and plain.max() <= 1 and (plain == 1).any()  # brightness 1.4 saturates: clamped
    mu, sd = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    folded = ops.apply_color(x, m, b, 1 / 255, mean=mu, std=sd)
    assert (folded - ops.normalize(plain, mu, sd)).abs().max() < 1e-5
    lo, hi = ops.clamp_bounds(mu, sd)
    for c in range(3):
        assert folded[:, c].min() >= lo[c] - 1e-6 and folded[:, c].max() <= hi[c] + 1e-6
    into = torch.empty(3, 3, 48, 48)
    assert ops.apply_color(x, m, b, 1 / 255, out=into) is into and torch.equal(into, plain)
    with pytest.raises(ValueError, match="cannot write into its input"):
        ops.apply_color(into, m, b, out=into)


def test_solarize_in_normalised_space_matches_solarize_then_normalise():
    x = torch.rand(4, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    mask = torch.tensor([True, False, True, True])
    mu, sd = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    direct = ops.normalize(ops.solarize(x, mask), mu, sd)
    folded = ops.solarize(ops.normalize(x, mu, sd), mask, mean=mu, std=sd)
    assert (direct - folded).abs().max() < 1e-5


def test_crop_resize_flips_on_the_way(photo):
    boxes = [(10.0, 20.0, 110.0, 140.0)] * 2
    plain = ops.crop_resize([photo, photo], boxes, 32)
    flipped = ops.crop_resize([photo, photo], boxes, 32, flips=[True, False])
    assert torch.equal(flipped[0], plain[0].flip(-1)) and torch.equal(flipped[1], plain[1])
