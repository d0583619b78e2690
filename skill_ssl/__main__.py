"""``python -m skill_ssl ...`` (what ``torchrun -m skill_ssl train ...`` runs)."""

from skill_ssl.cli import main

if __name__ == "__main__":
    main()
