"""Parameter sampling: batched, per sample, within the configured ranges, reproducible."""

from __future__ import annotations

import torch

from skill_aug.sampling import SpaceParams, ViewParams, color_blur, photo_pair, resized_crop, sub_crop


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_resized_crop_boxes_fit_and_cover_the_scale_range():
    sizes = torch.tensor([[256.0, 192.0], [100.0, 400.0], [512.0, 512.0]]).repeat(200, 1)
    boxes = resized_crop(sizes, (0.4, 1.0), (3 / 4, 4 / 3), gen())
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= sizes[:, 1]).all() and (boxes[:, 3] <= sizes[:, 0]).all()
    assert torch.equal(boxes, boxes.round()), "torchvision-style integer boxes"
    frac = w * h / (sizes[:, 0] * sizes[:, 1])
    square = sizes[:, 0] == sizes[:, 1]
    # on a square source every draw fits, so area and aspect ratio stay in range (up to rounding)
    assert frac[square].min() > 0.38 and frac[square].max() <= 1.0
    ratio = (w / h)[square]
    assert ratio.min() > 0.72 and ratio.max() < 1.38
    assert len(set(map(tuple, boxes[square].tolist()))) > 150, "per-sample boxes"


def test_resized_crop_falls_back_to_a_centre_crop_when_nothing_fits():
    # a 10:1 strip cannot hold a crop of ratio <= 4/3 covering >= 90 % of it
    sizes = torch.tensor([[20.0, 200.0]] * 8)
    boxes = resized_crop(sizes, (0.9, 1.0), (3 / 4, 4 / 3), gen())
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    assert torch.all(h == 20) and torch.all(w == round(20 * 4 / 3))
    assert torch.allclose(boxes[:, 0], torch.floor((200 - w) / 2))


def test_photo_pair_picks_two_different_photos_when_there_are_several():
    n = torch.tensor([1, 2, 3, 5] * 100)
    first, second = photo_pair(n, distinct=True, generator=gen(1))
    assert (first < n).all() and (second < n).all()
    assert torch.equal(first[n == 1], second[n == 1])
    assert (first[n > 1] != second[n > 1]).all()
    assert len(set(second[n == 5].tolist())) == 5
    same_a, same_b = photo_pair(n, distinct=False, generator=gen(1))
    assert torch.equal(same_a, same_b)


def test_sub_crop_stays_in_the_region_when_it_fits_and_in_the_image_always():
    regions = torch.tensor([[50.0, 60.0, 150.0, 160.0]] * 300)
    sizes = torch.tensor([[256.0, 256.0]] * 300)
    boxes = sub_crop(regions, sizes, (0.6, 1.0), (3 / 4, 4 / 3), gen(2))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    assert area.min() >= 0.6 * 100 * 100 - 1e-2 and area.max() <= 100 * 100 + 1e-2
    assert (boxes[:, 0] >= 50 - 1e-4).all() and (boxes[:, 2] <= 150 + 1e-4).all()
    assert (boxes[:, 1] >= 60 - 1e-4).all() and (boxes[:, 3] <= 160 + 1e-4).all()
    # a thin band at the image border: the crop keeps its aspect ratio and moves inside the image
    band = torch.tensor([[0.0, 252.0, 200.0, 256.0]] * 50)
    boxes = sub_crop(band, sizes[:50], (0.6, 1.0), (3 / 4, 4 / 3), gen(3))
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    assert ((w / h) > 0.74).all() and ((w / h) < 1.34).all()
    assert (boxes[:, 3] <= 256 + 1e-4).all() and (boxes[:, 1] >= 0).all()


def test_color_blur_ranges_and_reproducibility():
    kw = dict(jitter_p=0.8, brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1, gray_p=0.5, blur_p=0.5,
              blur_sigma=(0.1, 2.0), solarize_p=0.0, flip_p=0.5, device="cpu")
    a = color_blur(1000, generator=gen(5), **kw)
    b = color_blur(1000, generator=gen(5), **kw)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert a["brightness"].min() >= 0.6 and a["brightness"].max() <= 1.4
    assert a["saturation"].min() >= 0.8 and a["saturation"].max() <= 1.2
    assert a["hue"].abs().max() <= 0.1 and a["sigma"].min() >= 0.1 and a["sigma"].max() <= 2.0
    assert not a["solarize"].any()
    assert 0.4 < a["gray"].float().mean() < 0.6 and 0.74 < a["jitter"].float().mean() < 0.86


def test_params_move_and_concatenate():
    kw = dict(jitter_p=1.0, brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1, gray_p=0.5, blur_p=0.5,
              blur_sigma=(0.1, 2.0), solarize_p=0.0, flip_p=0.5, generator=gen(), device="cpu")
    vp = ViewParams(photo=torch.zeros(3, dtype=torch.long), box=torch.zeros(3, 4), **color_blur(3, **kw))
    both = ViewParams.cat([vp, vp.to("cpu")])
    assert len(both) == 6 and torch.equal(both.hue[3:], vp.hue)
    sp = SpaceParams([vp, vp], [], {"neck": vp})
    assert sp.batch_size == 3 and len(sp.groups()) == 3 and sp.to("cpu").local["neck"].box.shape == (3, 4)
