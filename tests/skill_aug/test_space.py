"""The augmentation space on real photos: shapes, ranges, replay, per-sample randomness, probabilities,
positive pairs and region sources."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from skill_aug.errors import ConfigError, UnknownDetectorError, UnknownTaskError
from skill_aug.io import read_image
from skill_aug.product import Product
from skill_aug.space import AugmentationSpace, SpaceConfig, Views

SMALL = dict(global_size=32, low_size=16, n_low=2, local_size=16)


def chw(arr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(arr).permute(2, 0, 1).contiguous()


@pytest.fixture(scope="module")
def astronaut() -> torch.Tensor:
    from skimage.data import astronaut

    return chw(astronaut())


@pytest.fixture(scope="module")
def photos(clothing_images) -> list[torch.Tensor]:
    return [chw(read_image(p)) for p in clothing_images]


@pytest.fixture(scope="module")
def shirt_photo(clothing_images) -> torch.Tensor:
    path = next(p for p in clothing_images if p.parent.name == "shirt")
    return chw(read_image(path))


def space(task="shirt", seed=0, **kw) -> AugmentationSpace:
    return AugmentationSpace(task, SpaceConfig(**{**SMALL, **kw}), seed=seed)


def test_views_have_the_configured_shapes_dtypes_and_ranges(photos):
    sp = space("women_dress", use_head=False)
    views = sp(photos[:4])
    assert isinstance(views, Views)
    assert [v.shape for v in views.global_high] == [(4, 3, 32, 32)] * 2
    assert [v.shape for v in views.global_low] == [(4, 3, 16, 16)] * 2
    assert list(views.local) == ["neck", "sleeve_left", "sleeve_right", "knee"]
    assert all(v.shape == (4, 3, 16, 16) for v in views.local.values())
    assert len(views.teacher_views()) == 2 and len(views.student_views()) == 2 + 2 + 4
    for v in views.student_views():
        assert v.dtype == torch.float32 and torch.isfinite(v).all()
        # normalised: [0, 1] mapped through (x - mean) / std
        assert v.min() >= (0 - 0.485) / 0.229 - 1e-4 and v.max() <= (1 - 0.406) / 0.225 + 1e-4
    raw = sp(photos[:4], params=views.params, normalize=False)
    assert all(0 <= v.min() and v.max() <= 1 for v in raw.student_views())
    assert views.stats["products"] == 4 and views.stats["single_photo"] == 4


def test_paper_defaults_and_from_task():
    cfg = SpaceConfig()
    assert (cfg.global_size, cfg.n_global, cfg.low_size, cfg.n_low) == (224, 2, 96, 8)
    assert (cfg.gray_p, cfg.jitter_p, cfg.blur_p) == (0.5, 0.8, 0.5)
    sp = AugmentationSpace.from_task("women_dress", n_local_crops=6, global_size=64)
    assert sp.config.n_low == 6 and sp.config.global_size == 64 and sp.regions[0] == "neck"
    dino = SpaceConfig.dino()
    assert dino.gray_p == 0.2 and dino.global_blur_p == (1.0, 0.1) and dino.solarize_p == (0.0, 0.2)
    assert not dino.use_local and not dino.same_product_pairs
    assert AugmentationSpace("shirt", dino).regions == ()


@pytest.mark.parametrize("bad", [dict(gray_p=1.5), dict(global_scale=(0.5, 0.2)), dict(n_low=-1), dict(global_size=0),
                                 dict(global_blur_p=(1.0,)), dict(std=(0.2, 0.2, 0.0)), dict(hue=0.7),
                                 dict(use_local="yes")])
def test_bad_settings_are_one_line_config_errors(bad):
    with pytest.raises(ConfigError) as info:
        SpaceConfig(**bad)
    msg = str(info.value)
    assert "\n" not in msg and next(iter(bad)) in msg


def test_unknown_names_are_reported_with_suggestions():
    with pytest.raises(UnknownTaskError, match="did you mean 'women_dress'"):
        AugmentationSpace("women_dres")
    with pytest.raises(UnknownDetectorError, match="did you mean 'lbp'"):
        AugmentationSpace("women_dress", SpaceConfig(detector="lpb"))
    with pytest.raises(ConfigError, match="did you mean 'gray_p'"):
        AugmentationSpace.from_task("shirt", grey_p=0.3)


def test_seed_reproduces_and_params_replay_bit_identically(photos):
    a = space(seed=7, use_head=False)(photos[:3])
    b = space(seed=7, use_head=False)(photos[:3])
    c = space(seed=8, use_head=False)(photos[:3])
    assert all(torch.equal(x, y) for x, y in zip(a.student_views(), b.student_views()))
    assert not torch.equal(a.global_high[0], c.global_high[0])
    sp = space(seed=None)
    photos = [sp.prepare(p) for p in photos[:3]]  # detection once, then replay
    first = sp(photos[:3])
    again = sp(photos[:3], params=first.params)
    assert all(torch.equal(x, y) for x, y in zip(first.student_views(), again.student_views()))
    other = sp(photos[:3])
    assert not torch.equal(first.global_high[0], other.global_high[0])
    # an explicit generator drives sampling too
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(sp(photos[:3], generator=g1).global_low[0], sp(photos[:3], generator=g2).global_low[0])


def test_randomness_is_per_sample_not_per_batch(astronaut):
    sp = space("women_dress", seed=1)
    views = sp([sp.prepare(astronaut)] * 8)  # the same photo eight times
    p = views.params.global_high[0]
    assert len(set(map(tuple, p.box.tolist()))) == 8
    assert len(set(p.brightness.tolist())) == 8 and len(set(p.sigma.tolist())) == 8
    imgs = views.global_high[0]
    assert len({imgs[i].numpy().tobytes() for i in range(8)}) == 8
    # the two global views of a sample differ too
    assert not torch.equal(views.global_high[0], views.global_high[1])


def test_probabilities_hold_over_many_samples_and_flags_reach_the_pixels(photos):
    sp = AugmentationSpace(None, SpaceConfig(global_size=8, low_size=8, n_low=0), seed=11)
    tiny = [torch.nn.functional.interpolate(p[None].float(), size=(24, 24))[0].to(torch.uint8) for p in photos]
    batch = (tiny * 50)[:400]
    raw = sp(batch, normalize=False)
    p = raw.params.global_high[0]
    assert 0.40 <= p.gray.float().mean() <= 0.60
    assert 0.72 <= p.jitter.float().mean() <= 0.88
    assert 0.40 <= p.blur.float().mean() <= 0.60
    assert 0.40 <= p.flip.float().mean() <= 0.60
    x = raw.global_high[0]
    # grayscale views have R = G = B exactly before normalisation; the others mostly do not
    equal = (x[:, 0] == x[:, 1]).flatten(1).all(1) & (x[:, 1] == x[:, 2]).flatten(1).all(1)
    assert equal[p.gray].all()
    assert (~equal[~p.gray]).float().mean() > 0.9
    # blur changes only the samples it is drawn for (a tiny sigma may leave one unchanged)
    blurred = p.blur.clone()
    p.blur.zero_()
    unblurred = sp(batch, params=raw.params, normalize=False).global_high[0]
    changed = (unblurred != x).flatten(1).any(1)
    assert not changed[~blurred].any()
    assert changed[blurred].float().mean() > 0.8


def test_positive_pairs_use_two_photos_of_a_product(photos):
    product = Product(photos=photos[:3], product_id="p")
    sp = space("shirt", use_head=False)
    views = sp([product] * 6 + [photos[4]])
    hi = views.params.global_high
    assert (hi[0].photo[:6] != hi[1].photo[:6]).all()
    assert hi[0].photo[6] == hi[1].photo[6] == 0
    assert all(torch.equal(lo.photo, hi[0].photo) for lo in views.params.global_low)  # G_l from x'
    assert all(torch.equal(v.photo, hi[0].photo) for v in views.params.local.values())  # A_i from x'
    assert views.stats["distinct_pairs"] == 6 and views.stats["single_photo"] == 1
    # crop boxes lie inside the photo each view was cut from
    sizes = torch.tensor([[p.shape[1], p.shape[2]] for p in photos[:3]])
    for k in range(2):
        s = sizes[hi[k].photo[:6]]
        assert (hi[k].box[:6, 2] <= s[:, 1]).all() and (hi[k].box[:6, 3] <= s[:, 0]).all()
    same = space("shirt", use_head=False, same_product_pairs=False)([product] * 6)
    assert torch.equal(same.params.global_high[0].photo, same.params.global_high[1].photo)


def test_mixed_inputs_are_accepted(photos, astronaut):
    sp = space("shirt", use_head=False)
    hwc = photos[1].permute(1, 2, 0).numpy()
    items = [astronaut, astronaut.float() / 255, [hwc, photos[2]], Product(photos=[photos[3]])]
    views = sp(items)
    assert views.global_high[0].shape[0] == 4 and views.stats["photos"] == 5
    with pytest.raises(ConfigError, match="list of products"):
        sp(astronaut)


def test_given_region_boxes_are_used_as_given(astronaut):
    boxes = {"neck": (200, 150, 300, 230), "sleeve_left": (60, 250, 160, 400), "sleeve_right": (330, 250, 460, 400)}
    product = Product(photos=[astronaut], boxes=[boxes])
    sp = space("shirt", seed=2)
    prepared = sp.prepare(product)
    assert prepared.region_source == ["given"]
    assert prepared.regions[0] == {k: tuple(float(v) for v in b) for k, b in boxes.items()}
    assert product.regions is None, "prepare leaves its input alone"
    views = sp([prepared] * 20)
    assert views.stats["given"] == 20
    for name, (x0, y0, x1, y1) in boxes.items():
        b = views.params.local[name].box
        assert (b[:, 0] >= x0 - 1e-3).all() and (b[:, 2] <= x1 + 1e-3).all()
        assert (b[:, 1] >= y0 - 1e-3).all() and (b[:, 3] <= y1 + 1e-3).all()


def test_head_box_places_regions_from_the_head(astronaut):
    from skill_aug.tasks import get_task

    head = (180.0, 70.0, 275.0, 165.0)
    sp = space("women_dress")
    prepared = sp.prepare(Product(photos=[astronaut], boxes=[{"head": head}]))
    assert prepared.region_source == ["head"] and prepared.heads == [head]
    neck = get_task("women_dress").locate(head, (0, 0, 512, 512), (512, 512))["neck"]
    assert prepared.regions[0]["neck"] == pytest.approx(neck)
    assert prepared.regions[0]["neck"][1] > head[1]  # below the head
    # the default detector finds the bundled sample's head on its own
    detected = sp.prepare(astronaut)
    assert detected.region_source == ["head"]
    x0, y0, x1, y1 = detected.heads[0]
    assert abs(x0 - 178) < 25 and abs(y0 - 67) < 25 and abs(x1 - 275) < 25 and abs(y1 - 165) < 25
    assert sp([detected]).stats["head"] == 1


def test_head_region_falling_off_the_photo_comes_from_the_silhouette(astronaut):
    from skill_aug.regions import foreground_box
    from skill_aug.tasks import get_task

    head = (180.0, 70.0, 275.0, 165.0)  # a half-body shot: the knee band lies below the 512 px photo
    prepared = space("women_dress").prepare(Product(photos=[astronaut], boxes=[{"head": head}]))
    raw_knee = get_task("women_dress").locate(head, (0, 0, 512, 512), (512, 512))["knee"]
    assert raw_knee[1] > 512  # the head geometry puts it outside
    silhouette = foreground_box(astronaut.permute(1, 2, 0).numpy())
    expected = get_task("women_dress").locate(None, silhouette, (512, 512))["knee"]
    x0, y0, x1, y1 = prepared.regions[0]["knee"]
    assert (x0, y0, x1, y1) == pytest.approx(expected)
    assert (x1 - x0) * (y1 - y0) > 0.05 * 512 * 512  # a real crop, not a sliver of the border
    assert prepared.regions[0]["neck"][1] > head[1]  # regions still inside come from the head


def test_a_product_prepared_for_another_task_is_located_again(astronaut):
    prepared = space("furniture").prepare(astronaut)
    assert set(prepared.regions[0]) == {"top", "base", "side"}
    views = space("shirt", use_head=False)([prepared])
    assert list(views.local) == ["neck", "sleeve_left", "sleeve_right"]


def test_flat_lay_photo_uses_the_silhouette(shirt_photo, astronaut):
    sp = space("shirt")
    prepared = sp.prepare(shirt_photo)
    assert prepared.region_source == ["silhouette"] and prepared.heads == [None]
    assert sp([prepared]).stats["silhouette"] == 1
    # "without head preprocessing" ablation: even a person photo gets silhouette regions
    assert space("women_dress", use_head=False).prepare(astronaut).region_source == ["silhouette"]
    # no task: no regions, no local views
    views = space(None)([shirt_photo])
    assert views.local == {} and "silhouette" not in views.stats


def test_albumentations_cpu_transforms_run_in_prepare(astronaut):
    A = pytest.importorskip("albumentations")
    from skill_aug.tasks import TaskSpec, get_task

    base = get_task("shirt")
    task = TaskSpec(name="shirt_inverted", regions=base.regions, locate=base.locate, use_head=False,
                    cpu_transforms=A.Compose([A.InvertImg(p=1.0)]))
    sp = AugmentationSpace(task, SpaceConfig(**SMALL), seed=0)
    prepared = sp.prepare(astronaut)
    assert torch.equal(prepared.photos[0], 255 - astronaut)
    assert prepared.region_source == ["silhouette"]
    bad = TaskSpec(name="shirt_resized", regions=base.regions, locate=base.locate,
                   cpu_transforms=A.Compose([A.Resize(64, 64)]))
    from skill_aug.errors import PluginError

    with pytest.raises(PluginError, match="changed the image size"):
        AugmentationSpace(bad, SpaceConfig(**SMALL)).prepare(astronaut)


def test_replay_checks_the_batch(photos):
    sp = space()
    views = sp(photos[:3])
    with pytest.raises(ConfigError, match="sampled for 3 products"):
        sp(photos[:2], params=views.params)
    with pytest.raises(ConfigError, match="sample them from this space"):
        space(n_low=3)(photos[:3], params=views.params)
    empty = sp([])
    assert empty.global_high[0].shape == (0, 3, 32, 32)


def test_dino_space_solarizes_the_second_view_only(astronaut):
    sp = AugmentationSpace(None, SpaceConfig.dino(global_size=16, low_size=8, n_low=1), seed=0)
    p = sp.sample([astronaut] * 300)
    assert not p.global_high[0].solarize.any() and 0.12 < p.global_high[1].solarize.float().mean() < 0.28
    assert p.global_high[0].blur.all() and p.global_high[1].blur.float().mean() < 0.2
    assert not p.global_low[0].solarize.any()


@pytest.mark.parametrize("dino", [False, True])
def test_normalised_views_equal_the_raw_views_normalised(photos, dino):
    """Normalisation is folded into the colour pass (and blur and solarize run after it): the result must
    equal rendering in [0, 1] and normalising afterwards."""
    from skill_aug import ops

    cfg = SpaceConfig.dino(**SMALL) if dino else SpaceConfig(**SMALL, use_head=False, blur_p=1.0)
    sp = AugmentationSpace(None if dino else "shirt", cfg, seed=3)
    views = sp(photos[:4] * 4)
    raw = sp(photos[:4] * 4, params=views.params, normalize=False)
    for v, r in zip(views.student_views(), raw.student_views()):
        assert (v - ops.normalize(r, cfg.mean, cfg.std)).abs().max() < 1e-4
    if dino:
        assert views.params.global_high[1].solarize.any()


def test_accelerator_code_paths_agree_with_the_cpu_kernels(photos, monkeypatch):
    """The GPU branch (float resize of uploaded photos, one unchunked colour pass, Kornia's grouped-conv
    blur) run on CPU tensors gives the CPU kernels' views, to the uint8 rounding of the CPU resize."""
    import skill_aug.ops.device as device

    sp = AugmentationSpace("shirt", SpaceConfig(**SMALL, use_head=False, blur_p=0.7), seed=5)
    prods = [sp.prepare(p) for p in photos[:6]]
    cpu = sp(prods)
    monkeypatch.setattr(device, "cpu_kernels", lambda dev: False)
    acc = sp(prods, params=cpu.params)
    for a, c in zip(acc.student_views(), cpu.student_views()):
        assert a.shape == c.shape and a.dtype == c.dtype
        diff = (a - c).abs()
        assert diff.max() < 0.04 and diff.mean() < 0.005  # measured 0.019 and 0.003: uint8 rounding / std
    assert (acc.global_high[0] != cpu.global_high[0]).any()  # the other branch really ran
