from .theme_strings import register

__all__ = ["register"]
