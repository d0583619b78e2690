"""Backbone, DINO head, multi-crop wrapper, embedding model and load_backbone."""

from __future__ import annotations

import pytest
import torch

from skill_aug.errors import CheckpointError, ConfigError
from skill_ssl.models import (DINOHead, EmbeddingModel, MultiCrop, build_backbone, load_backbone, random_backbone,
                              save_safetensors)

SMALL = dict(patch_size=8, depth=2, embed_dim=64, num_heads=2)


def test_backbone_takes_global_and_low_resolution_crops():
    bb = build_backbone("vit_tiny_patch16_224", 64, **SMALL)
    assert bb(torch.randn(2, 3, 64, 64)).shape == (2, 64)
    assert bb(torch.randn(2, 3, 32, 32)).shape == (2, 64)   # position embeddings interpolated
    assert not any("pretrained" in k for k in bb.state_dict())


def test_unknown_arch_is_one_line_with_suggestion():
    with pytest.raises(ConfigError, match="did you mean 'vit_small_patch8_224'") as exc:
        build_backbone("vit_smal_patch8_224")
    assert "\n" not in str(exc.value)


def test_dino_head_normalised_bottleneck_and_fixed_norm_last_layer():
    head = DINOHead(64, out_dim=100, hidden_dim=32, bottleneck_dim=16, nlayers=3)
    out = head(torch.randn(5, 64))
    assert out.shape == (5, 100)
    # last layer rows have unit norm (gain fixed to 1), so |logit| <= 1 for an L2-normalised bottleneck
    assert out.abs().max() <= 1 + 1e-5
    assert not head.last_g.requires_grad and head.last_v.requires_grad
    free = DINOHead(64, out_dim=10, norm_last_layer=False)
    assert free.last_g.requires_grad


def test_multicrop_one_backbone_pass_per_resolution():
    bb = build_backbone("vit_tiny_patch16_224", 32, **SMALL)
    mc = MultiCrop(bb, DINOHead(64, 50, 32, 16)).eval()
    calls = []
    bb.register_forward_hook(lambda m, i, o: calls.append(tuple(i[0].shape)))
    views = [torch.randn(3, 3, 32, 32), torch.randn(3, 3, 16, 16), torch.randn(3, 3, 32, 32), torch.randn(3, 3, 16, 16)]
    out = mc(views)
    assert out.shape == (4, 3, 50)
    assert sorted(calls) == [(6, 3, 16, 16), (6, 3, 32, 32)]
    with torch.no_grad():
        for v, o in zip(views, out):      # same result as one view at a time, in view order
            torch.testing.assert_close(mc([v])[0], o, rtol=1e-4, atol=1e-5)


def test_embedding_model_on_real_photos(clothing_images):
    from skill_aug.io import read_image

    model = random_backbone(image_size=48, **SMALL)
    photos = [torch.from_numpy(read_image(p)).permute(2, 0, 1) for p in clothing_images]
    photos.append(torch.randint(0, 256, (3, 40, 100), dtype=torch.uint8))   # wide and smaller than the input size
    x = model.preprocess(photos)
    assert x.shape == (len(photos), 3, 48, 48) and x.dtype == torch.float32
    assert -3 < x.mean() < 3
    e = model.embed(photos, batch_size=3)
    assert e.shape == (len(photos), 64) and e.device.type == "cpu" and torch.isfinite(e).all()
    torch.testing.assert_close(model.embed(photos[:2]), e[:2], rtol=1e-4, atol=1e-5)  # batching does not matter


def test_random_backbone_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = random_backbone(seed=1, **SMALL)
    after = torch.rand(1)
    assert torch.equal(before, after)
    b, c = random_backbone(seed=1, **SMALL), random_backbone(seed=2, **SMALL)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)
    assert isinstance(a, EmbeddingModel) and a.embed_dim == 64


def test_safetensors_round_trip(tmp_path):
    model = random_backbone(image_size=32, seed=3, **SMALL)
    path = save_safetensors(model, tmp_path / "m.safetensors")
    loaded = load_backbone(path)
    assert loaded.metadata() == model.metadata()
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(loaded(x), model(x))


@pytest.mark.parametrize("kind", ["missing", "empty_dir", "garbage", "no_meta"])
def test_bad_paths_are_one_line_errors(tmp_path, kind):
    if kind == "missing":
        path = tmp_path / "nope"
    elif kind == "empty_dir":
        path = tmp_path
    elif kind == "garbage":
        path = tmp_path / "x.safetensors"
        path.write_bytes(b"not a safetensors file at all")
    else:
        from safetensors.torch import save_file

        path = tmp_path / "plain.safetensors"
        save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(CheckpointError) as exc:
        load_backbone(path)
    assert "\n" not in str(exc.value) and str(path) in str(exc.value)
