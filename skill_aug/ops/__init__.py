"""Pure batched image kernels of the augmentation space (no randomness: parameters come in as tensors).

* :func:`crop_resize` - per-sample crop from uint8 sources and resize to one output size (the only
  per-sample loop: source sizes differ);
* :func:`flip` - horizontal flip of the selected samples;
* :func:`color_affine` / :func:`apply_color` - brightness, contrast, saturation, hue and grayscale as
  one per-sample 3x3 matrix plus offset, applied in a single batched pass (normalisation folded in);
* :func:`gaussian_blur` - per-sample sigma, each sample's kernel sized to its own sigma;
* :func:`solarize`, :func:`normalize`, :func:`denormalize`;
* :func:`cpu_kernels` - whether a device gets the CPU kernels or the accelerator ones.
"""

from skill_aug.ops.blur import gaussian_blur, gaussian_kernels, kernel_size_for, kernel_sizes
from skill_aug.ops.color import GRAY_WEIGHTS, apply_color, channel_means, clamp_bounds, color_affine
from skill_aug.ops.crop import crop_resize, flip
from skill_aug.ops.device import cpu_kernels
from skill_aug.ops.normalize import denormalize, normalize, solarize

__all__ = ["GRAY_WEIGHTS", "apply_color", "channel_means", "clamp_bounds", "color_affine", "cpu_kernels", "crop_resize",
           "denormalize", "flip", "gaussian_blur", "gaussian_kernels", "kernel_size_for", "kernel_sizes", "normalize",
           "solarize"]
