from .theme_translations import register

__all__ = ["register"]
