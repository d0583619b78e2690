"""skill-ssl: the SkiLL trainer and evaluation suite (depends on skill_aug, never the reverse)."""

__version__ = "0.1.0"
