"""The training config: files, overrides, presets, validation."""

from __future__ import annotations

import pytest

from skill_aug.errors import ConfigError
from skill_ssl.config import CPU_PRESET, PAPER_PRESET, TrainConfig


def test_yaml_and_toml_files_give_the_same_config(tmp_path):
    (tmp_path / "a.yaml").write_text("task: shirt\nbatch-size: 8\nglobal_scale: [0.3, 1.0]\nuse_local: false\n"
                                     "timm: {qkv_bias: false}\n")
    (tmp_path / "a.toml").write_text('task = "shirt"\nbatch_size = 8\nglobal_scale = [0.3, 1.0]\nuse_local = false\n'
                                     "[timm]\nqkv_bias = false\n")
    a, b = TrainConfig.from_file(tmp_path / "a.yaml"), TrainConfig.from_file(tmp_path / "a.toml")
    assert a == b
    assert a.batch_size == 8 and a.global_scale == (0.3, 1.0) and a.use_local is False
    assert a.timm_overrides() == {"qkv_bias": False}


def test_flags_override_file_and_saved_config_reloads(tmp_path):
    cfg = TrainConfig.from_dict({"task": "shirt", "epochs": 3}).update({"epochs": "5", "synth_photos": "2-3"})
    assert cfg.epochs == 5 and cfg.synth_photos == (2, 3)
    resolved = cfg.resolve("cpu")
    resolved.save(tmp_path / "config.yaml")
    assert TrainConfig.from_file(tmp_path / "config.yaml") == resolved


def test_presets():
    cpu = TrainConfig(task="shirt").resolve("cpu")
    assert cpu.preset == "cpu" and cpu.arch == CPU_PRESET["arch"] and cpu.amp == "off"
    gpu = TrainConfig(task="shirt").resolve("cuda")
    assert gpu.preset == "paper" and gpu.arch == "vit_small_patch8_224" and gpu.amp == "bf16"
    assert (gpu.global_size, gpu.low_size, gpu.n_low) == (224, 96, 8) and gpu.out_dim == PAPER_PRESET["out_dim"]
    named = TrainConfig(task="shirt", arch="vit_small_patch8_224").resolve("cpu")
    assert named.timm_overrides() == {} and named.global_size == CPU_PRESET["global_size"]
    explicit = TrainConfig(task="shirt", preset="paper", global_size=128).resolve("cpu")
    assert explicit.global_size == 128 and explicit.arch == "vit_small_patch8_224"
    assert TrainConfig(task="shirt", method="byol").resolve("cpu").augment == "vanilla"
    assert TrainConfig(task="shirt").resolve("cpu").augment == "skill"


@pytest.mark.parametrize("values,match", [
    ({"task": "shirt", "batch_sise": 3}, "did you mean 'batch_size'"),
    ({"task": "shirt", "epochs": "many"}, "epochs: 'many' is not a valid int"),
    ({"task": "shirt", "global_scale": [0.1]}, "global_scale"),
    ({"task": "shirt", "method": "dinno"}, "did you mean 'dino'"),
    ({"task": "shirt", "amp": "fp8"}, "amp 'fp8'"),
    ({"task": "shirt", "epochs": 0}, "epochs = 0 must be at least 1"),
    ({}, "no task given"),
])
def test_bad_values_are_one_line_errors(values, match):
    with pytest.raises(ConfigError, match=match) as exc:
        TrainConfig.from_dict(values).resolve("cpu")
    assert "\n" not in str(exc.value)


def test_bad_config_files(tmp_path):
    (tmp_path / "bad.yaml").write_text("task: [unclosed\n")
    with pytest.raises(ConfigError, match="cannot parse"):
        TrainConfig.from_file(tmp_path / "bad.yaml")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ConfigError, match=".yaml, .yml or .toml"):
        TrainConfig.from_file(tmp_path / "x.json")
    with pytest.raises(ConfigError, match="no such config file"):
        TrainConfig.from_file(tmp_path / "missing.yaml")
