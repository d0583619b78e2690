"""The built-in task plugins of skill-aug (installed as ``skill_aug_plugins``).

Each module is registered through the ``skill_aug`` entry-point group in ``pyproject.toml``, exactly
like a third-party plugin, and uses only ``skill_aug``'s public API.
"""
